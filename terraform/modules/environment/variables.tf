variable "environment" {
  description = "Which environment this is: dev, staging or prod."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be one of dev, staging, prod."
  }
}

variable "availability_zones" {
  description = "Three availability zones of the region."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) == 3 && length(distinct(var.availability_zones)) == 3
    error_message = "availability_zones must list exactly three distinct zones."
  }
}

variable "vpc_cidr" {
  description = "IPv4 CIDR of the environment's VPC (/16 to /20); distinct per environment so they can be peered."
  type        = string

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0))
    error_message = "vpc_cidr must be a valid IPv4 CIDR such as 10.20.0.0/16."
  }
}

variable "public_subnet_cidrs" {
  description = "Three public subnet CIDRs inside vpc_cidr."
  type        = list(string)
}

variable "private_subnet_cidrs" {
  description = "Three private subnet CIDRs inside vpc_cidr."
  type        = list(string)
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all zones (dev) instead of one per zone."
  type        = bool

  validation {
    condition     = var.environment != "prod" || !var.single_nat_gateway
    error_message = "prod needs one NAT gateway per zone: set single_nat_gateway = false."
  }
}

variable "kubernetes_version" {
  description = "EKS Kubernetes minor version, e.g. 1.33."
  type        = string
}

variable "cluster_endpoint_public_access" {
  description = "Expose the Kubernetes API publicly (restricted to cluster_public_access_cidrs)."
  type        = bool
}

variable "cluster_public_access_cidrs" {
  description = "CIDRs that may reach the public Kubernetes API (CI runners, operators' VPN)."
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

  validation {
    condition     = var.environment != "prod" || var.node_min_size >= 3
    error_message = "prod needs at least 3 worker nodes (one per zone)."
  }
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
  description = "PostgreSQL major version, e.g. 16 (RDS applies the minor versions)."
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
  description = "PostgreSQL max_connections (the autoscaler's connection budget)."
  type        = number
}

variable "db_multi_az" {
  description = "Multi-AZ database."
  type        = bool

  validation {
    condition     = var.environment != "prod" || var.db_multi_az
    error_message = "prod's database must be Multi-AZ: set db_multi_az = true."
  }
}

variable "db_deletion_protection" {
  description = "Deletion protection on the database."
  type        = bool

  validation {
    condition     = var.environment != "prod" || var.db_deletion_protection
    error_message = "prod's database must have deletion protection: set db_deletion_protection = true."
  }
}

variable "db_backup_retention_days" {
  description = "Days of automated backups (point-in-time recovery)."
  type        = number

  validation {
    condition     = var.environment != "prod" || var.db_backup_retention_days >= 14
    error_message = "prod keeps at least 14 days of automated backups."
  }
}

variable "db_performance_insights_enabled" {
  description = "Performance Insights on the database."
  type        = bool

  validation {
    condition     = var.environment != "prod" || var.db_performance_insights_enabled
    error_message = "prod's database must have Performance Insights: set db_performance_insights_enabled = true."
  }
}

variable "backup_bucket_name" {
  description = "The export bucket: notejam-db-backup plus a suffix where names must be globally unique."
  type        = string
}

variable "backup_lambda_zip_path" {
  description = "Zip of the notejam-backup Lambda, built by backup/build-zip.sh."
  type        = string
}

variable "backup_schedule_expression" {
  description = "Daily schedule of the backup Lambda (UTC), after the database backup window."
  type        = string
  default     = "cron(30 5 * * ? *)"
}

variable "alarm_actions" {
  description = "ARNs notified by the backup alarms, besides the backup module's own SNS topic."
  type        = list(string)
  default     = []
}

variable "backup_alarm_emails" {
  description = "Email addresses subscribed to the backup alarm topic (validated in modules/backup)."
  type        = list(string)
  default     = []
}

variable "backup_daily_snapshot_retention_days" {
  description = "Days every daily restorable snapshot copy is kept (7-1095, validated in modules/backup); the first copy of each month is kept 1095 days. Environments sharing an account and region share RDS's quota of 100 manual snapshots (docs/restore.md)."
  type        = number
  default     = 35
}

variable "log_retention_days" {
  description = "Retention of flow logs and control-plane logs."
  type        = number
}

variable "ci_deploy_role_name" {
  description = "IAM role (in this account) of the CircleCI deploy jobs, given cluster-admin access to the Kubernetes API. null: circleci-notejam-<environment>-deploy, the role terraform/bootstrap creates. The role must exist before the cluster's access entry is created."
  type        = string
  default     = null

  validation {
    condition     = var.ci_deploy_role_name == null ? true : can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.ci_deploy_role_name))
    error_message = "ci_deploy_role_name must be an IAM role name (1-64 letters, digits or +=,.@_-), without a path."
  }
}

variable "aws_emulator" {
  description = "True only when applying against the moto AWS emulator in the checks: leaves out what it does not implement (EKS add-ons and Pod Identity associations; see terraform/README.md). Never true in a real account."
  type        = bool
  default     = false

  validation {
    condition     = !var.aws_emulator || var.environment != "prod"
    error_message = "aws_emulator = true is refused for prod: it leaves out the EKS cluster, the Pod Identity associations and more that moto cannot emulate (terraform/README.md), and must never reach a real prod account."
  }
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default tags)."
  type        = map(string)
  default     = {}
}
