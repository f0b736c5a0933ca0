# The same declarations in every environment root; the values live in variables.tfvars and the
# rules (including what prod requires) in modules/environment and the modules it calls.

variable "region" {
  description = "AWS region of the environment."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

variable "environment" {
  description = "dev, staging or prod; must match the directory (and so the state key) of this root."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be one of dev, staging, prod."
  }
}

variable "availability_zones" {
  description = "Three availability zones of the region."
  type        = list(string)
}

variable "vpc_cidr" {
  description = "IPv4 CIDR of the VPC."
  type        = string
}

variable "public_subnet_cidrs" {
  description = "Three public subnet CIDRs."
  type        = list(string)
}

variable "private_subnet_cidrs" {
  description = "Three private subnet CIDRs."
  type        = list(string)
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all zones instead of one per zone."
  type        = bool
}

variable "kubernetes_version" {
  description = "EKS Kubernetes minor version."
  type        = string
}

variable "cluster_endpoint_public_access" {
  description = "Expose the Kubernetes API publicly, restricted to cluster_public_access_cidrs."
  type        = bool
}

variable "cluster_public_access_cidrs" {
  description = "CIDRs that may reach the public Kubernetes API."
  type        = list(string)
  default     = []
}

variable "node_instance_types" {
  description = "Worker node instance types."
  type        = list(string)
}

variable "node_min_size" {
  description = "Minimum worker nodes."
  type        = number
}

variable "node_desired_size" {
  description = "Worker nodes at creation."
  type        = number
}

variable "node_max_size" {
  description = "Maximum worker nodes."
  type        = number
}

variable "db_engine_version" {
  description = "PostgreSQL major version (RDS applies the minor versions)."
  type        = string
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
}

variable "db_allocated_storage_gb" {
  description = "Initial database storage, GiB."
  type        = number
}

variable "db_max_allocated_storage_gb" {
  description = "Database storage autoscaling ceiling, GiB."
  type        = number
}

variable "db_max_connections" {
  description = "PostgreSQL max_connections."
  type        = number
}

variable "db_multi_az" {
  description = "Multi-AZ database."
  type        = bool
}

variable "db_deletion_protection" {
  description = "Deletion protection on the database."
  type        = bool
}

variable "db_backup_retention_days" {
  description = "Days of automated database backups."
  type        = number
}

variable "db_performance_insights_enabled" {
  description = "Performance Insights on the database."
  type        = bool
}

variable "backup_bucket_name" {
  description = "The export bucket, notejam-db-backup-<suffix>."
  type        = string
}

variable "backup_lambda_zip_path" {
  description = "Zip of the notejam-backup Lambda (backup/build-zip.sh), relative to this directory."
  type        = string
}

variable "backup_schedule_expression" {
  description = "Daily schedule of the backup Lambda (UTC)."
  type        = string
  default     = "cron(30 5 * * ? *)"
}

variable "alarm_actions" {
  description = "ARNs notified by the backup alarms, besides the backup alarm topic (output backup.alarm_topic_arn)."
  type        = list(string)
  default     = []
}

variable "backup_alarm_emails" {
  description = "Email addresses subscribed to the backup alarm topic; a pager integration can subscribe to the topic instead."
  type        = list(string)
  default     = []
}

variable "backup_daily_snapshot_retention_days" {
  description = "Days every daily restorable snapshot copy is kept; the first copy of each month is kept 1095 days."
  type        = number
  default     = 35
}

variable "log_retention_days" {
  description = "Retention of flow logs and control-plane logs."
  type        = number
}

variable "ci_deploy_role_name" {
  description = "IAM role of the CircleCI deploy jobs, given an EKS access entry; null: circleci-notejam-<environment>-deploy from terraform/bootstrap."
  type        = string
  default     = null
}

variable "aws_emulator" {
  description = "Only for the checks against the moto emulator (scripts/checks/terraform.sh); never set it in a real account."
  type        = bool
  default     = false

  validation {
    condition     = !var.aws_emulator || var.environment != "prod"
    error_message = "aws_emulator = true is refused for prod: it leaves out the EKS cluster, the Pod Identity associations and more that moto cannot emulate (terraform/README.md), and must never reach a real prod account. The checks apply dev (or staging) to the emulator."
  }
}
