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
    {
      Sid       = "LambdaLogGroup"
      Effect    = "Allow"
      Principal = { Service = "logs.${local.region}.amazonaws.com" }
      Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
      Resource  = "*"
      Condition = {
        ArnEquals = {
          "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_name}"
        }
      }
    },
  ]
  tags = var.tags
}
