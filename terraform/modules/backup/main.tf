# The daily database backup of one environment, by concern: kms.tf (the key), bucket.tf (the
# export bucket), iam.tf (the export and Lambda roles), lambda.tf (the function, its logs and
# dead letters), schedule.tf (the daily run), alarms.tf (topic and alarms), moved.tf (old
# addresses).

module "aws" {
  source = "../account"
}

locals {
  function_name   = "${var.name}-db-backup"
  snapshot_prefix = "${var.name}-daily"
  rds_arn         = "arn:${module.aws.partition}:rds:${module.aws.region}:${module.aws.account_id}"
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
