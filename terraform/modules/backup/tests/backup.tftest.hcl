# Tests of the backup module with a mocked AWS provider (apply creates nothing real): what the seed and the
# backup policy require, asserted on the planned resources.

mock_provider "aws" {
  source = "../../testing/aws-mocks"
}

variables {
  name                   = "notejam-test"
  bucket_name            = "notejam-db-backup-test"
  db_instance_identifier = "notejam-test"
  db_kms_key_arn         = "arn:aws:kms:eu-west-1:000000000000:key/test"
  lambda_zip_path        = "tests/fixtures/placeholder.zip"
}

run "exports_expire_after_three_years" {
  # apply against the mocked provider: nothing is created, and every value is known.
  command = apply

  assert {
    condition     = aws_s3_bucket_lifecycle_configuration.backup.rule[0].expiration[0].days == 1095
    error_message = "Exports must expire after 1095 days (3 years)."
  }
  assert {
    condition     = aws_s3_bucket_lifecycle_configuration.backup.rule[0].abort_incomplete_multipart_upload[0].days_after_initiation == 7
    error_message = "Incomplete multipart uploads must be aborted."
  }
  assert {
    condition     = aws_s3_bucket_lifecycle_configuration.backup.rule[0].status == "Enabled"
    error_message = "The expiry rule must be enabled."
  }
  assert {
    condition     = aws_lambda_function.backup.environment[0].variables["NOTEJAM_BACKUP_RETENTION_DAYS"] == "1095"
    error_message = "The Lambda must keep restorable snapshots for 1095 days too."
  }
}

run "bucket_is_named_after_the_seed" {
  # apply against the mocked provider: nothing is created, and every value is known.
  command = apply

  assert {
    condition     = startswith(aws_s3_bucket.backup.bucket, "notejam-db-backup")
    error_message = "The bucket is notejam-db-backup (plus an environment suffix)."
  }
}

run "runs_once_a_day" {
  # apply against the mocked provider: nothing is created, and every value is known.
  command = apply

  assert {
    condition     = can(regex("^cron\\([0-9]+ [0-9]+ \\* \\* \\? \\*\\)$", aws_cloudwatch_event_rule.daily.schedule_expression))
    error_message = "The Lambda must be scheduled once a day."
  }
  assert {
    condition     = aws_lambda_function.backup.runtime == "provided.al2023" && aws_lambda_function.backup.handler == "bootstrap"
    error_message = "The Rust Lambda runs on the provided.al2023 runtime."
  }
}

run "bucket_is_private_encrypted_and_tls_only" {
  # apply against the mocked provider: nothing is created, and every value is known.
  command = apply

  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.backup.block_public_acls,
      aws_s3_bucket_public_access_block.backup.block_public_policy,
      aws_s3_bucket_public_access_block.backup.ignore_public_acls,
      aws_s3_bucket_public_access_block.backup.restrict_public_buckets,
    ])
    error_message = "All public access to the backup bucket must be blocked."
  }
  assert {
    condition     = one([for r in aws_s3_bucket_server_side_encryption_configuration.backup.rule : one(r.apply_server_side_encryption_by_default).sse_algorithm]) == "aws:kms"
    error_message = "The bucket must be encrypted with KMS."
  }
  assert {
    condition     = aws_s3_bucket_versioning.backup.versioning_configuration[0].status == "Enabled"
    error_message = "The bucket must be versioned."
  }
  assert {
    condition     = jsondecode(aws_s3_bucket_policy.backup.policy).Statement[0].Condition.Bool["aws:SecureTransport"] == "false" && jsondecode(aws_s3_bucket_policy.backup.policy).Statement[0].Effect == "Deny"
    error_message = "The bucket policy must deny requests without TLS."
  }
  assert {
    condition     = aws_kms_key.backup.enable_key_rotation
    error_message = "The backup key must rotate."
  }
  assert {
    condition     = aws_cloudwatch_log_group.lambda.kms_key_id != null && aws_sqs_queue.dead_letter.kms_master_key_id != null
    error_message = "The Lambda's logs and dead letters must be encrypted."
  }
}

run "alarms_on_failed_runs" {
  # apply against the mocked provider: nothing is created, and every value is known.
  command = apply

  assert {
    condition     = aws_cloudwatch_metric_alarm.errors.metric_name == "Errors" && aws_cloudwatch_metric_alarm.errors.threshold == 1
    error_message = "An alarm must fire on the first failed run."
  }
}

run "rejects_a_shorter_retention" {
  command = plan

  variables {
    retention_days = 30
  }

  expect_failures = [var.retention_days]
}

run "rejects_a_schedule_that_is_not_daily" {
  command = plan

  variables {
    schedule_expression = "rate(7 days)"
  }

  expect_failures = [var.schedule_expression]
}

run "rejects_another_bucket_name" {
  command = plan

  variables {
    bucket_name = "my-random-bucket"
  }

  expect_failures = [var.bucket_name]
}
