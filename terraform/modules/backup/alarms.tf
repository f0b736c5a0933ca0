# ---------------------------------------------------------------------------------------------
# Alarms: a failed run, a day without any run, an event in the dead-letter queue. They notify
# the topic below (and var.alarm_actions); subscribe on-call to it (var.alarm_emails, or a
# subscription of another kind made outside this module).
# ---------------------------------------------------------------------------------------------
resource "aws_sns_topic" "alarms" {
  name              = "${local.function_name}-alarms"
  display_name      = "${var.name} database backup"
  kms_master_key_id = module.key.arn
  tags              = var.tags
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.alarm_emails)

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}

locals {
  # Alarm (its name is <function>-<key with dashes>) => what it watches. clears: the topic also
  # hears when it returns to OK (not for not_run, which clears at every run).
  alarms = {
    errors = {
      description = "The daily database backup failed; see ${local.log_group_name} and docs/restore.md."
      namespace   = "AWS/Lambda"
      metric_name = "Errors"
      dimensions  = { FunctionName = aws_lambda_function.backup.function_name }
      statistic   = "Sum"
      period      = 3600
      threshold   = 1
      comparison  = "GreaterThanOrEqualToThreshold"
      missing     = "notBreaching"
      clears      = true
    }
    not_run = {
      description = "The daily database backup did not run in the last 24 hours."
      namespace   = "AWS/Lambda"
      metric_name = "Invocations"
      dimensions  = { FunctionName = aws_lambda_function.backup.function_name }
      statistic   = "Sum"
      period      = 86400
      threshold   = 1
      comparison  = "LessThanThreshold"
      missing     = "breaching"
      clears      = false
    }
    # An invocation that failed all of Lambda's asynchronous retries lands in the dead-letter
    # queue: a run that never reported (a crash, a timeout) is visible here even if its Errors
    # were missed.
    dead_letters = {
      description = "An invocation of the daily database backup failed every retry and is in ${aws_sqs_queue.dead_letter.name}; read it, fix the cause, then purge the queue (docs/restore.md)."
      namespace   = "AWS/SQS"
      metric_name = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = aws_sqs_queue.dead_letter.name }
      statistic   = "Maximum"
      period      = 300
      threshold   = 0
      comparison  = "GreaterThanThreshold"
      missing     = "notBreaching"
      clears      = true
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${local.function_name}-${replace(each.key, "_", "-")}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric_name
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = each.value.period
  evaluation_periods  = 1
  threshold           = each.value.threshold
  comparison_operator = each.value.comparison
  treat_missing_data  = each.value.missing
  alarm_actions       = local.alarm_actions
  ok_actions          = each.value.clears ? local.alarm_actions : null
  tags                = var.tags
}
