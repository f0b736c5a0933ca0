# Tests of the backup module with a mocked AWS provider (apply creates nothing real): what the seed and the
# backup policy require, asserted on the planned resources.

mock_provider "aws" {
  source = "../../testing/aws-mocks"

  # The alarms and the subscription take the topic's ARN, which the provider validates.
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:eu-west-1:000000000000:notejam-test-db-backup-alarms" }
  }
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
    condition     = aws_s3_bucket_lifecycle_configuration.backup.rule[0].noncurrent_version_expiration[0].noncurrent_days == 30
    error_message = "Noncurrent versions (overwritten or expired exports in the versioned bucket) must expire after 30 days, so nothing outlives the retention by more than a month."
  }
  assert {
    condition     = aws_lambda_function.backup.environment[0].variables["NOTEJAM_BACKUP_RETENTION_DAYS"] == "1095"
    error_message = "The Lambda must keep a monthly restorable snapshot for 1095 days too."
  }
}

run "daily_copies_for_35_days_under_the_snapshot_quota" {
  command = apply

  assert {
    condition     = aws_lambda_function.backup.environment[0].variables["NOTEJAM_BACKUP_DAILY_RETENTION_DAYS"] == "35"
    error_message = "Daily copies are kept 35 days by default (35 daily + about 35 monthly copies stay under RDS's 100 manual snapshots)."
  }
  assert {
    condition     = tonumber(aws_lambda_function.backup.environment[0].variables["NOTEJAM_BACKUP_EXPORT_LOOKBACK_DAYS"]) <= tonumber(aws_lambda_function.backup.environment[0].variables["NOTEJAM_BACKUP_DAILY_RETENTION_DAYS"])
    error_message = "A copy must outlive the export window (the Lambda refuses the opposite at start)."
  }
  assert {
    condition     = aws_lambda_function.backup.environment[0].variables["NOTEJAM_BACKUP_EXPORT_MAX_ATTEMPTS"] == "3"
    error_message = "A failed export is retried, at most 3 attempts in all."
  }
}

run "a_shorter_daily_window_reaches_the_lambda" {
  command = apply

  variables {
    daily_snapshot_retention_days = 14
  }

  assert {
    condition     = aws_lambda_function.backup.environment[0].variables["NOTEJAM_BACKUP_DAILY_RETENTION_DAYS"] == "14" && aws_lambda_function.backup.environment[0].variables["NOTEJAM_BACKUP_RETENTION_DAYS"] == "1095"
    error_message = "daily_snapshot_retention_days sets only the daily window; monthly copies stay 1095 days."
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
    condition     = module.key.enable_key_rotation
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
    condition     = aws_cloudwatch_metric_alarm.this["errors"].metric_name == "Errors" && aws_cloudwatch_metric_alarm.this["errors"].threshold == 1
    error_message = "An alarm must fire on the first failed run."
  }
}

run "alarms_notify_an_encrypted_topic_and_the_dead_letter_queue_is_watched" {
  command = apply

  variables {
    alarm_emails  = ["oncall@example.com", "dba@example.com"]
    alarm_actions = ["arn:aws:sns:eu-west-1:000000000000:pager"]
  }

  assert {
    condition     = aws_sns_topic.alarms.kms_master_key_id == module.key.arn
    error_message = "The alarm topic must exist and be encrypted with the backup key."
  }
  assert {
    condition     = anytrue([for s in jsondecode(module.key.policy).Statement : try(s.Principal.Service, "") == "cloudwatch.amazonaws.com" && contains(flatten([s.Action]), "kms:GenerateDataKey*") && contains(flatten([s.Action]), "kms:Decrypt")])
    error_message = "CloudWatch needs kms:GenerateDataKey* and kms:Decrypt on the key to publish to the encrypted topic; without it alarms are silently dropped."
  }
  assert {
    condition = alltrue([for a in aws_cloudwatch_metric_alarm.this :
      contains(a.alarm_actions, aws_sns_topic.alarms.arn) && contains(a.alarm_actions, "arn:aws:sns:eu-west-1:000000000000:pager")
    ])
    error_message = "Every backup alarm (errors, not run, dead letters) must notify the topic and the extra alarm_actions."
  }
  assert {
    condition     = contains(aws_cloudwatch_metric_alarm.this["errors"].ok_actions, aws_sns_topic.alarms.arn) && contains(aws_cloudwatch_metric_alarm.this["dead_letters"].ok_actions, aws_sns_topic.alarms.arn)
    error_message = "The topic also hears when a failure alarm clears."
  }
  assert {
    condition = alltrue([
      aws_cloudwatch_metric_alarm.this["dead_letters"].namespace == "AWS/SQS",
      aws_cloudwatch_metric_alarm.this["dead_letters"].metric_name == "ApproximateNumberOfMessagesVisible",
      aws_cloudwatch_metric_alarm.this["dead_letters"].dimensions["QueueName"] == aws_sqs_queue.dead_letter.name,
      aws_cloudwatch_metric_alarm.this["dead_letters"].comparison_operator == "GreaterThanThreshold",
      aws_cloudwatch_metric_alarm.this["dead_letters"].threshold == 0,
    ])
    error_message = "One message in the Lambda's dead-letter queue must raise an alarm."
  }
  assert {
    condition     = length(aws_sns_topic_subscription.email) == 2 && alltrue([for s in aws_sns_topic_subscription.email : s.protocol == "email" && s.topic_arn == aws_sns_topic.alarms.arn])
    error_message = "Each address in alarm_emails gets an email subscription to the topic."
  }
}

run "alarms_reach_the_topic_without_any_extra_action" {
  command = apply

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.this["not_run"].alarm_actions) == 1 && contains(aws_cloudwatch_metric_alarm.this["not_run"].alarm_actions, aws_sns_topic.alarms.arn) && length(aws_sns_topic_subscription.email) == 0
    error_message = "With no alarm_actions and no emails set, the alarms still notify the module's topic."
  }
}

run "the_emulator_run_keeps_the_topic" {
  command = apply

  variables {
    aws_emulator = true
    alarm_emails = ["oncall@example.com"]
  }

  assert {
    condition     = length(aws_sns_topic_subscription.email) == 1 && contains(aws_cloudwatch_metric_alarm.this["errors"].alarm_actions, aws_sns_topic.alarms.arn)
    error_message = "Against the emulator too, the alarms notify the topic and its subscriptions exist."
  }
}

# Wrong inputs fail at plan, each on its own variable: a run lists several, and fails if any one
# of them is accepted.
run "rejects_wrong_inputs" {
  command = plan

  variables {
    alarm_emails                  = ["oncall at example.com"] # not an address
    daily_snapshot_retention_days = 6                         # shorter than the 7-day export window
    retention_days                = 30                        # shorter than 3 years
    schedule_expression           = "rate(7 days)"            # not daily
    bucket_name                   = "my-random-bucket"        # not notejam-db-backup(-suffix)
  }

  expect_failures = [var.alarm_emails, var.daily_snapshot_retention_days, var.retention_days, var.schedule_expression, var.bucket_name]
}

run "rejects_a_duplicate_alarm_email_and_daily_copies_outliving_the_monthly_ones" {
  command = plan

  variables {
    alarm_emails                  = ["oncall@example.com", "oncall@example.com"]
    daily_snapshot_retention_days = 1096
  }

  expect_failures = [var.alarm_emails, var.daily_snapshot_retention_days]
}
