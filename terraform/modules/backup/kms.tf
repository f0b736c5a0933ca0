# ---------------------------------------------------------------------------------------------
# Encryption: one key for the exports, the Lambda's environment, its logs, its dead letters and
# the alarm topic.
# ---------------------------------------------------------------------------------------------
module "key" {
  source = "../kms-key"

  description = "${var.name} database backup exports"
  alias       = "${var.name}-db-backup"
  policy_statements = [
    {
      # CloudWatch publishes the alarms to the encrypted topic (alarms.tf): SNS uses the key on
      # its behalf (AWS documents this grant without conditions for CloudWatch alarms).
      Sid       = "CloudWatchAlarmsToEncryptedTopic"
      Effect    = "Allow"
      Principal = { Service = "cloudwatch.amazonaws.com" }
      Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
      Resource  = "*"
    },
  ]
  cloudwatch_logs = { sid = "LambdaLogGroup", log_group = local.log_group_name }
  tags            = var.tags
}
