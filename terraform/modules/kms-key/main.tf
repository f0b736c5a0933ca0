# A customer managed KMS key with rotation on, administered by the account (the usual first key
# policy statement), plus whatever statements its caller adds for the services that use it.
# Every key of the platform is one of these: the environment's logs, the cluster's secrets, the
# database, the images, the backup and the terraform state.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

resource "aws_kms_key" "this" {
  description             = var.description
  deletion_window_in_days = 30
  enable_key_rotation     = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat([{
      Sid       = "AccountAdministers"
      Effect    = "Allow"
      Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }], var.policy_statements)
  })
  tags = var.tags
}

resource "aws_kms_alias" "this" {
  count = var.alias == null ? 0 : 1

  name          = "alias/${var.alias}"
  target_key_id = aws_kms_key.this.key_id
}
