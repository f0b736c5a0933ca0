# A customer managed KMS key with rotation on, administered by the account (the usual first key
# policy statement), plus whatever statements its caller adds for the services that use it.
# Every key of the platform is one of these: the environment's logs, the cluster's secrets, the
# database, the images, the backup and the terraform state.

module "aws" {
  source = "../account"
}

locals {
  # CloudWatch Logs of this region and account may use the key for the log groups named.
  logs_statement = var.cloudwatch_logs == null ? [] : [{
    Sid       = var.cloudwatch_logs.sid
    Effect    = "Allow"
    Principal = { Service = "logs.${module.aws.region}.amazonaws.com" }
    Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    Resource  = "*"
    Condition = {
      (var.cloudwatch_logs.operator) = {
        "kms:EncryptionContext:aws:logs:arn" = "arn:${module.aws.partition}:logs:${module.aws.region}:${module.aws.account_id}:log-group:${var.cloudwatch_logs.log_group}"
      }
    }
  }]
}

resource "aws_kms_key" "this" {
  description             = var.description
  deletion_window_in_days = 30
  enable_key_rotation     = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat([{
      Sid       = "AccountAdministers"
      Effect    = "Allow"
      Principal = { AWS = "arn:${module.aws.partition}:iam::${module.aws.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }], var.policy_statements, local.logs_statement)
  })
  tags = var.tags
}

resource "aws_kms_alias" "this" {
  count = var.alias == null ? 0 : 1

  name          = "alias/${var.alias}"
  target_key_id = aws_kms_key.this.key_id
}
