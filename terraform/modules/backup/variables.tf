variable "name" {
  description = "Name prefix of the backup resources, e.g. notejam-prod."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$", var.name)) && length(var.name) <= 36
    error_message = "name must be at most 36 lowercase letters, digits and single hyphens, starting with a letter."
  }
}

variable "bucket_name" {
  description = "Name of the export bucket: notejam-db-backup, with a suffix where bucket names must be globally unique."
  type        = string

  validation {
    condition     = can(regex("^notejam-db-backup(-[a-z0-9]+)*$", var.bucket_name)) && length(var.bucket_name) <= 63
    error_message = "bucket_name must be notejam-db-backup or notejam-db-backup-<suffix> (lowercase letters, digits, hyphens; at most 63 characters)."
  }
}

variable "retention_days" {
  description = "How long the exports and the monthly restorable snapshot copies (the first copy of each calendar month) are kept: 3 years."
  type        = number
  default     = 1095

  validation {
    condition     = var.retention_days >= 1095 && floor(var.retention_days) == var.retention_days
    error_message = "retention_days must be a whole number of at least 1095 (3 years, the backup policy)."
  }
}

variable "daily_snapshot_retention_days" {
  description = "How long every daily restorable snapshot copy is kept; older ones are pruned unless they are their month's copy. Sizes the account's manual snapshot count: about this many plus 35 monthly copies per environment (RDS allows 100 per region and account by default; see docs/restore.md)."
  type        = number
  default     = 35

  # At most 1095, so never more than retention_days (the monthly copies outlive the daily ones).
  # At least 7: the Lambda exports copies of the last 7 days, and a copy must not be pruned
  # before its export was started.
  validation {
    condition     = var.daily_snapshot_retention_days >= 7 && var.daily_snapshot_retention_days <= 1095 && floor(var.daily_snapshot_retention_days) == var.daily_snapshot_retention_days
    error_message = "daily_snapshot_retention_days must be a whole number from 7 (the export window) to 1095 (never longer than the monthly copies)."
  }
}

variable "db_instance_identifier" {
  description = "RDS instance whose snapshots are kept and exported."
  type        = string
}

variable "db_kms_key_arn" {
  description = "KMS key of the database's snapshots (the Lambda needs grants on it to copy them)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.db_kms_key_arn))
    error_message = "db_kms_key_arn must be a KMS key ARN."
  }
}

variable "schedule_expression" {
  description = "When the backup Lambda runs: daily, after the database's backup window (UTC)."
  type        = string
  default     = "cron(30 5 * * ? *)"

  validation {
    condition     = can(regex("^cron\\([0-5]?[0-9] ([01]?[0-9]|2[0-3]) \\* \\* \\? \\*\\)$", var.schedule_expression))
    error_message = "schedule_expression must run once a day: cron(M H * * ? *)."
  }
}

variable "lambda_zip_path" {
  description = "Path of the function package built by backup/build-zip.sh (a zip holding the `bootstrap` binary)."
  type        = string

  validation {
    condition     = endswith(var.lambda_zip_path, ".zip")
    error_message = "lambda_zip_path must point to the .zip made by backup/build-zip.sh."
  }
}

variable "lambda_architecture" {
  description = "CPU architecture the zip was built for."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.lambda_architecture)
    error_message = "lambda_architecture must be x86_64 or arm64."
  }
}

variable "log_retention_days" {
  description = "Days the Lambda's logs are kept."
  type        = number
  default     = 365

  validation {
    condition     = contains([30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch Logs retention value between 30 and 1096."
  }
}

variable "alarm_actions" {
  description = "ARNs notified by the backup alarms besides the module's own topic (e.g. an on-call SNS topic of another team)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.alarm_actions : can(regex("^arn:", a))])
    error_message = "alarm_actions must be ARNs."
  }
}

variable "alarm_emails" {
  description = "Email addresses subscribed to the backup alarm topic. Each must confirm the subscription from the mail AWS sends; until then it receives nothing."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.alarm_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "alarm_emails must be email addresses (name@domain.tld)."
  }
  validation {
    condition     = length(distinct(var.alarm_emails)) == length(var.alarm_emails)
    error_message = "alarm_emails must not list an address twice."
  }
}

variable "aws_emulator" {
  description = "True only for the checks against the moto emulator: leaves out the Lambda's environment encryption key and dead-letter queue, which moto does not store, so a second plan would never be clean."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
