# ---------------------------------------------------------------------------------------------
# The role RDS assumes to write a snapshot export into the bucket, and the Lambda's own role.
# ---------------------------------------------------------------------------------------------
module "export_role" {
  source = "../iam-role"

  name            = "${var.name}-rds-snapshot-export"
  trusted_service = "export.rds.amazonaws.com"
  trust_condition = { StringEquals = { "aws:SourceAccount" = module.aws.account_id } }
  inline_policies = {
    "write-exports" = jsonencode({
      Version = "2012-10-17"
      Statement = [
        {
          Effect   = "Allow"
          Action   = ["s3:ListBucket", "s3:GetBucketLocation"]
          Resource = aws_s3_bucket.backup.arn
        },
        {
          Effect   = "Allow"
          Action   = ["s3:PutObject*", "s3:GetObject*", "s3:DeleteObject*"]
          Resource = "${aws_s3_bucket.backup.arn}/*"
        },
        {
          Effect   = "Allow"
          Action   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey", "kms:RetireGrant"]
          Resource = module.key.arn
        },
      ]
    })
  }
  tags = var.tags
}

module "lambda_role" {
  source = "../iam-role"

  name            = "${local.function_name}-lambda"
  trusted_service = "lambda.amazonaws.com"
  inline_policies = {
    "keep-export-prune-snapshots" = jsonencode({
      Version = "2012-10-17"
      Statement = [
        {
          Sid    = "ReadSnapshotsAndExports"
          Effect = "Allow"
          # On *: the Lambda finds and exports snapshots by names it learns at run time. IAM accepts
          # snapshot ARNs for these calls; narrowing them must be tried against real IAM (moto does
          # not enforce policies). terraform/checkov-plan-skips.txt lists the finding.
          Action   = ["rds:DescribeDBSnapshots", "rds:DescribeExportTasks", "rds:StartExportTask"]
          Resource = "*"
        },
        {
          Sid    = "CopyAutomatedIntoKept"
          Effect = "Allow"
          Action = ["rds:CopyDBSnapshot", "rds:AddTagsToResource"]
          Resource = [
            "${local.rds_arn}:snapshot:rds:${var.db_instance_identifier}-*",
            "${local.rds_arn}:snapshot:${local.snapshot_prefix}-*",
          ]
        },
        {
          Sid      = "PruneOnlyKept"
          Effect   = "Allow"
          Action   = ["rds:DeleteDBSnapshot"]
          Resource = "${local.rds_arn}:snapshot:${local.snapshot_prefix}-*"
        },
        {
          Sid       = "HandExportRoleToRds"
          Effect    = "Allow"
          Action    = "iam:PassRole"
          Resource  = module.export_role.arn
          Condition = { StringEquals = { "iam:PassedToService" = "export.rds.amazonaws.com" } }
        },
        {
          Sid      = "GrantKeysToRds"
          Effect   = "Allow"
          Action   = ["kms:CreateGrant", "kms:DescribeKey"]
          Resource = [module.key.arn, var.db_kms_key_arn]
        },
        {
          Sid      = "OwnEnvironmentAndDeadLetters"
          Effect   = "Allow"
          Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
          Resource = module.key.arn
        },
        {
          Sid      = "DeadLetters"
          Effect   = "Allow"
          Action   = "sqs:SendMessage"
          Resource = aws_sqs_queue.dead_letter.arn
        },
        {
          Sid      = "Logs"
          Effect   = "Allow"
          Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
          Resource = "${aws_cloudwatch_log_group.lambda.arn}:*"
        },
        {
          Sid      = "Traces"
          Effect   = "Allow"
          Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
          Resource = "*"
        },
      ]
    })
  }
  tags = var.tags
}
