# ---------------------------------------------------------------------------------------------
# The Lambda (crate notejam-backup), its logs and its dead-letter queue (its role: iam.tf).
# ---------------------------------------------------------------------------------------------
resource "aws_cloudwatch_log_group" "lambda" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = module.key.arn
  tags              = var.tags
}

resource "aws_sqs_queue" "dead_letter" {
  name                              = "${local.function_name}-dlq"
  message_retention_seconds         = 1209600
  kms_master_key_id                 = module.key.arn
  kms_data_key_reuse_period_seconds = 3600
  tags                              = var.tags
}

resource "aws_lambda_function" "backup" {
  #checkov:skip=CKV_AWS_117:It only calls the RDS control-plane API and touches no data in the VPC; inside a VPC it would just add a NAT or endpoint dependency.
  #checkov:skip=CKV_AWS_272:No AWS Signer profile exists yet; the zip is built by CI from reviewed source (backup/build-zip.sh). Follow-up in terraform/README.md.
  function_name    = local.function_name
  description      = "Daily: copy the latest ${var.db_instance_identifier} snapshot (daily copies kept ${var.daily_snapshot_retention_days} days, monthly ones ${var.retention_days}) and export it to s3://${var.bucket_name}"
  role             = module.lambda_role.arn
  runtime          = "provided.al2023"
  handler          = "bootstrap"
  architectures    = [var.lambda_architecture]
  filename         = var.lambda_zip_path
  source_code_hash = filebase64sha256(var.lambda_zip_path)
  memory_size      = 128
  timeout          = 120
  # One run at a time: runs are idempotent, but two at once could both try the same copy.
  reserved_concurrent_executions = 1
  kms_key_arn                    = var.aws_emulator ? null : module.key.arn

  environment {
    variables = {
      NOTEJAM_BACKUP_DB_INSTANCE          = var.db_instance_identifier
      NOTEJAM_BACKUP_SNAPSHOT_PREFIX      = local.snapshot_prefix
      NOTEJAM_BACKUP_DAILY_RETENTION_DAYS = tostring(var.daily_snapshot_retention_days)
      NOTEJAM_BACKUP_RETENTION_DAYS       = tostring(var.retention_days)
      NOTEJAM_BACKUP_EXPORT_LOOKBACK_DAYS = "7"
      NOTEJAM_BACKUP_EXPORT_MAX_ATTEMPTS  = "3"
      NOTEJAM_BACKUP_BUCKET               = aws_s3_bucket.backup.bucket
      NOTEJAM_BACKUP_S3_PREFIX            = "rds-exports"
      NOTEJAM_BACKUP_EXPORT_ROLE_ARN      = module.export_role.arn
      NOTEJAM_BACKUP_KMS_KEY_ID           = module.key.arn
      RUST_LOG                            = "info"
    }
  }

  dynamic "dead_letter_config" {
    for_each = var.aws_emulator ? [] : [aws_sqs_queue.dead_letter.arn]
    content {
      target_arn = dead_letter_config.value
    }
  }

  tracing_config {
    mode = "Active"
  }

  tags = var.tags

  depends_on = [aws_cloudwatch_log_group.lambda, module.lambda_role]
}
