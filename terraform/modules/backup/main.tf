data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id      = data.aws_caller_identity.current.account_id
  partition       = data.aws_partition.current.partition
  region          = data.aws_region.current.name
  function_name   = "${var.name}-db-backup"
  snapshot_prefix = "${var.name}-daily"
  rds_arn         = "arn:${local.partition}:rds:${local.region}:${local.account_id}"
  log_group_name  = "/aws/lambda/${local.function_name}"

  # Every alarm notifies the module's topic and any extra ARNs given.
  alarm_actions = concat([aws_sns_topic.alarms.arn], var.alarm_actions)
}

# ---------------------------------------------------------------------------------------------
# Manual snapshot quota. RDS allows 100 manual DB snapshots per region and account (default,
# adjustable in Service Quotas). The Lambda keeps, per environment, every daily copy younger than
# daily_snapshot_retention_days (35) and the first copy of each month for retention_days (1095):
# at most 35 + 35 = 70 copies at steady state (71 in the first 3 years), proven by a simulation
# in backup/src/retention.rs. Environments sharing one account and region share the 100, and so
# do operators' snapshots and final snapshots: three environments need a quota increase (or
# separate accounts). See docs/restore.md.
# ---------------------------------------------------------------------------------------------

# ---------------------------------------------------------------------------------------------
# Encryption: one key for the exports, the Lambda's environment, its logs, its dead letters and
# the alarm topic.
# ---------------------------------------------------------------------------------------------
resource "aws_kms_key" "backup" {
  description             = "${var.name} database backup exports"
  deletion_window_in_days = 30
  enable_key_rotation     = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministers"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        # CloudWatch publishes the alarms to the encrypted topic below: SNS uses the key on its
        # behalf (AWS documents this grant without conditions for CloudWatch alarms).
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
  })
  tags = var.tags
}

resource "aws_kms_alias" "backup" {
  name          = "alias/${var.name}-db-backup"
  target_key_id = aws_kms_key.backup.key_id
}

# ---------------------------------------------------------------------------------------------
# The bucket: private, versioned, KMS-encrypted, TLS only, objects expire after 3 years.
# ---------------------------------------------------------------------------------------------
resource "aws_s3_bucket" "backup" {
  #checkov:skip=CKV_AWS_18:Only RDS (export role) writes here and only a restore reads; audit those calls with the account's CloudTrail S3 data events instead of a second log bucket per environment.
  #checkov:skip=CKV_AWS_144:Single-region platform: cross-region copies are a follow-up listed in docs/restore.md, not faked here.
  #checkov:skip=CKV2_AWS_62:Nothing consumes object events; a failed export is caught by the Lambda's error alarm.
  bucket = var.bucket_name
  tags   = var.tags
}

resource "aws_s3_bucket_public_access_block" "backup" {
  bucket                  = aws_s3_bucket.backup.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "backup" {
  bucket = aws_s3_bucket.backup.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "backup" {
  bucket = aws_s3_bucket.backup.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "backup" {
  bucket = aws_s3_bucket.backup.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.backup.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "backup" {
  bucket = aws_s3_bucket.backup.id

  rule {
    id     = "expire-after-retention"
    status = "Enabled"
    filter {}

    expiration {
      days = var.retention_days
    }

    # Versioning keeps overwritten or expired objects as noncurrent versions: do not let them
    # outlive the retention by more than a month.
    noncurrent_version_expiration {
      noncurrent_days = 30
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  rule {
    id     = "remove-expired-delete-markers"
    status = "Enabled"
    filter {}

    expiration {
      expired_object_delete_marker = true
    }
  }

  depends_on = [aws_s3_bucket_versioning.backup]
}

resource "aws_s3_bucket_policy" "backup" {
  bucket = aws_s3_bucket.backup.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.backup.arn, "${aws_s3_bucket.backup.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })

  depends_on = [aws_s3_bucket_public_access_block.backup]
}

# ---------------------------------------------------------------------------------------------
# The role RDS assumes to write a snapshot export into the bucket.
# ---------------------------------------------------------------------------------------------
resource "aws_iam_role" "export" {
  name = "${var.name}-rds-snapshot-export"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "export.rds.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "export" {
  name = "write-exports"
  role = aws_iam_role.export.id
  policy = jsonencode({
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
        Resource = aws_kms_key.backup.arn
      },
    ]
  })
}

# ---------------------------------------------------------------------------------------------
# The Lambda (crate notejam-backup) and what it may do.
# ---------------------------------------------------------------------------------------------
resource "aws_cloudwatch_log_group" "lambda" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.backup.arn
  tags              = var.tags
}

resource "aws_sqs_queue" "dead_letter" {
  name                              = "${local.function_name}-dlq"
  message_retention_seconds         = 1209600
  kms_master_key_id                 = aws_kms_key.backup.arn
  kms_data_key_reuse_period_seconds = 3600
  tags                              = var.tags
}

resource "aws_iam_role" "lambda" {
  name = "${local.function_name}-lambda"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "lambda" {
  name = "keep-export-prune-snapshots"
  role = aws_iam_role.lambda.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "ReadSnapshotsAndExports"
        Effect = "Allow"
        # Describe calls and StartExportTask do not support resource-level permissions.
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
        Resource  = aws_iam_role.export.arn
        Condition = { StringEquals = { "iam:PassedToService" = "export.rds.amazonaws.com" } }
      },
      {
        Sid      = "GrantKeysToRds"
        Effect   = "Allow"
        Action   = ["kms:CreateGrant", "kms:DescribeKey"]
        Resource = [aws_kms_key.backup.arn, var.db_kms_key_arn]
      },
      {
        Sid      = "OwnEnvironmentAndDeadLetters"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource = aws_kms_key.backup.arn
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

resource "aws_lambda_function" "backup" {
  #checkov:skip=CKV_AWS_117:It only calls the RDS control-plane API and touches no data in the VPC; inside a VPC it would just add a NAT or endpoint dependency.
  #checkov:skip=CKV_AWS_272:No AWS Signer profile exists yet; the zip is built by CI from reviewed source (backup/build-zip.sh). Follow-up in terraform/README.md.
  function_name    = local.function_name
  description      = "Daily: copy the latest ${var.db_instance_identifier} snapshot (daily copies kept ${var.daily_snapshot_retention_days} days, monthly ones ${var.retention_days}) and export it to s3://${var.bucket_name}"
  role             = aws_iam_role.lambda.arn
  runtime          = "provided.al2023"
  handler          = "bootstrap"
  architectures    = [var.lambda_architecture]
  filename         = var.lambda_zip_path
  source_code_hash = filebase64sha256(var.lambda_zip_path)
  memory_size      = 128
  timeout          = 120
  # One run at a time: runs are idempotent, but two at once could both try the same copy.
  reserved_concurrent_executions = 1
  kms_key_arn                    = var.aws_emulator ? null : aws_kms_key.backup.arn

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
      NOTEJAM_BACKUP_EXPORT_ROLE_ARN      = aws_iam_role.export.arn
      NOTEJAM_BACKUP_KMS_KEY_ID           = aws_kms_key.backup.arn
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

  depends_on = [aws_cloudwatch_log_group.lambda, aws_iam_role_policy.lambda]
}

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

# ---------------------------------------------------------------------------------------------
# Alarms: a failed run, a day without any run, an event in the dead-letter queue. They notify
# the topic below (and var.alarm_actions); subscribe on-call to it (var.alarm_emails, or a
# subscription of another kind made outside this module).
# ---------------------------------------------------------------------------------------------
resource "aws_sns_topic" "alarms" {
  name              = "${local.function_name}-alarms"
  display_name      = "${var.name} database backup"
  kms_master_key_id = aws_kms_key.backup.arn
  tags              = var.tags
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.alarm_emails)

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_cloudwatch_metric_alarm" "errors" {
  alarm_name          = "${local.function_name}-errors"
  alarm_description   = "The daily database backup failed; see ${local.log_group_name} and docs/restore.md."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.backup.function_name }
  statistic           = "Sum"
  period              = 3600
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "not_run" {
  alarm_name          = "${local.function_name}-not-run"
  alarm_description   = "The daily database backup did not run in the last 24 hours."
  namespace           = "AWS/Lambda"
  metric_name         = "Invocations"
  dimensions          = { FunctionName = aws_lambda_function.backup.function_name }
  statistic           = "Sum"
  period              = 86400
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = local.alarm_actions
  tags                = var.tags
}

# An invocation that failed all of Lambda's asynchronous retries lands in the dead-letter queue:
# a run that never reported (a crash, a timeout) is visible here even if its Errors were missed.
resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  alarm_name          = "${local.function_name}-dead-letters"
  alarm_description   = "An invocation of the daily database backup failed every retry and is in ${aws_sqs_queue.dead_letter.name}; read it, fix the cause, then purge the queue (docs/restore.md)."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dead_letter.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}
