output "bucket_name" {
  description = "Bucket receiving the daily Parquet exports."
  value       = aws_s3_bucket.backup.bucket
}

output "bucket_arn" {
  description = "ARN of the export bucket."
  value       = aws_s3_bucket.backup.arn
}

output "retention_days" {
  description = "Days the exports and the monthly kept snapshots live."
  value       = var.retention_days
}

output "daily_snapshot_retention_days" {
  description = "Days every daily kept snapshot lives."
  value       = var.daily_snapshot_retention_days
}

output "function_name" {
  description = "Name of the backup Lambda."
  value       = aws_lambda_function.backup.function_name
}

output "snapshot_prefix" {
  description = "Prefix of the restorable manual snapshots the Lambda keeps (see docs/restore.md)."
  value       = local.snapshot_prefix
}

output "schedule_expression" {
  description = "When the Lambda runs."
  value       = aws_cloudwatch_event_rule.daily.schedule_expression
}

output "kms_key_arn" {
  description = "KMS key of the exports."
  value       = module.key.arn
}

output "export_role_arn" {
  description = "Role RDS assumes to write exports."
  value       = module.export_role.arn
}

output "error_alarm_name" {
  description = "CloudWatch alarm on failed runs."
  value       = aws_cloudwatch_metric_alarm.this["errors"].alarm_name
}

output "alarm_topic_arn" {
  description = "SNS topic (KMS-encrypted) the backup alarms notify."
  value       = aws_sns_topic.alarms.arn
}

output "alarm_names" {
  description = "The backup alarms: failed run, no run in 24 hours, dead letters."
  value       = [for k in ["errors", "not_run", "dead_letters"] : aws_cloudwatch_metric_alarm.this[k].alarm_name]
}
