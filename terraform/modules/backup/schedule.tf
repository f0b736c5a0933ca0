# ---------------------------------------------------------------------------------------------
# The daily schedule: an EventBridge rule that invokes the Lambda, with retries.
# ---------------------------------------------------------------------------------------------
resource "aws_cloudwatch_event_rule" "daily" {
  name                = "${local.function_name}-daily"
  description         = "Run ${local.function_name} once a day, after the RDS backup window"
  schedule_expression = var.schedule_expression
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "daily" {
  rule = aws_cloudwatch_event_rule.daily.name
  arn  = aws_lambda_function.backup.arn

  retry_policy {
    maximum_retry_attempts       = 2
    maximum_event_age_in_seconds = 3600
  }
}

resource "aws_lambda_permission" "daily" {
  statement_id  = "AllowDailySchedule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.backup.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.daily.arn
}
