# One environment said once: each terraform/environments/<env>.tfvars is one `environment` object
# of this type, and every rule an environment must satisfy (what prod requires among them) is a
# validation here or in the module that uses the field. Each message names the field.
variable "environment" {
  description = "The environment: its name, network, cluster, database and backup settings (fields and their meaning: the comments of the type below)."
  type = object({
    name   = string # dev, staging or prod; names its <env>.tfvars, <env>.backend.hcl and state key
    region = string # AWS region of the environment, e.g. eu-west-1

    availability_zones   = list(string) # three zones of the region
    vpc_cidr             = string       # IPv4 CIDR of the VPC (/16 to /20); distinct per environment so they can be peered
    public_subnet_cidrs  = list(string) # three public subnets inside vpc_cidr
    private_subnet_cidrs = list(string) # three private subnets inside vpc_cidr
    single_nat_gateway   = bool         # one NAT gateway for all zones (dev) instead of one per zone

    kubernetes_version             = string                     # EKS Kubernetes minor version, e.g. 1.33
    cluster_endpoint_public_access = bool                       # expose the Kubernetes API publicly (restricted to the CIDRs below)
    cluster_public_access_cidrs    = optional(list(string), []) # CIDRs that may reach the public API (CI runners, operators' VPN)
    node_instance_types            = list(string)               # worker node instance types
    node_min_size                  = number                     # the Cluster Autoscaler's floor
    node_desired_size              = number                     # worker nodes at creation (terraform ignores the running size)
    node_max_size                  = number                     # the Cluster Autoscaler's ceiling

    db_engine_version               = string # PostgreSQL major version, e.g. "16" (RDS applies the minor versions)
    db_instance_class               = string # RDS instance class
    db_allocated_storage_gb         = number # initial storage, GiB
    db_max_allocated_storage_gb     = number # storage autoscaling ceiling, GiB
    db_max_connections              = number # PostgreSQL max_connections (the autoscaler's connection budget)
    db_multi_az                     = bool   # Multi-AZ database
    db_deletion_protection          = bool   # deletion protection on the database
    db_backup_retention_days        = number # days of automated backups (point-in-time recovery)
    db_performance_insights_enabled = bool   # Performance Insights on the database

    backup_bucket_name                   = string                                 # the export bucket: notejam-db-backup plus a suffix where names must be globally unique
    backup_lambda_zip_path               = string                                 # zip of the notejam-backup Lambda (backup/build-zip.sh), relative to the root
    backup_schedule_expression           = optional(string, "cron(30 5 * * ? *)") # daily schedule of the backup Lambda (UTC), after the database backup window
    alarm_actions                        = optional(list(string), [])             # ARNs notified by the backup alarms, besides the backup module's own SNS topic
    backup_alarm_emails                  = optional(list(string), [])             # addresses subscribed to the backup alarm topic (validated in modules/backup)
    backup_daily_snapshot_retention_days = optional(number, 35)                   # days every daily restorable copy is kept (7-1095, modules/backup); the first of each month is kept 1095 days. Environments sharing an account and region share RDS's quota of 100 manual snapshots (docs/restore.md)

    log_retention_days  = number                    # retention of flow logs and control-plane logs
    ci_deploy_role_name = optional(string)          # IAM role (this account) of the CircleCI deploy jobs, given cluster-admin access; null: circleci-notejam-<name>-deploy, the role terraform/bootstrap creates (it must exist before the access entry)
    tags                = optional(map(string), {}) # added to every resource, on top of the provider's default tags
  })

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment.name)
    error_message = "environment.name must be one of dev, staging, prod."
  }

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.environment.region))
    error_message = "environment.region must be an AWS region name such as eu-west-1."
  }

  validation {
    condition     = length(var.environment.availability_zones) == 3 && length(distinct(var.environment.availability_zones)) == 3
    error_message = "environment.availability_zones must list exactly three distinct zones."
  }

  validation {
    condition     = can(cidrhost(var.environment.vpc_cidr, 0))
    error_message = "environment.vpc_cidr must be a valid IPv4 CIDR such as 10.20.0.0/16."
  }

  validation {
    condition     = var.environment.ci_deploy_role_name == null ? true : can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.environment.ci_deploy_role_name))
    error_message = "environment.ci_deploy_role_name must be an IAM role name (1-64 letters, digits or +=,.@_-), without a path."
  }

  # What prod requires on top of the modules' own rules.
  validation {
    condition     = var.environment.name != "prod" || !var.environment.single_nat_gateway
    error_message = "prod needs one NAT gateway per zone: set single_nat_gateway = false."
  }

  validation {
    condition     = var.environment.name != "prod" || var.environment.node_min_size >= 3
    error_message = "prod needs at least 3 worker nodes (one per zone): node_min_size >= 3."
  }

  validation {
    condition     = var.environment.name != "prod" || var.environment.db_multi_az
    error_message = "prod's database must be Multi-AZ: set db_multi_az = true."
  }

  validation {
    condition     = var.environment.name != "prod" || var.environment.db_deletion_protection
    error_message = "prod's database must have deletion protection: set db_deletion_protection = true."
  }

  validation {
    condition     = var.environment.name != "prod" || var.environment.db_backup_retention_days >= 14
    error_message = "prod keeps at least 14 days of automated backups: db_backup_retention_days >= 14."
  }

  validation {
    condition     = var.environment.name != "prod" || var.environment.db_performance_insights_enabled
    error_message = "prod's database must have Performance Insights: set db_performance_insights_enabled = true."
  }
}

# Not part of an environment's description: a switch of the checks, set only by the override file
# scripts/checks/terraform.sh writes into a copy of a root (the roots have no input for it).
variable "aws_emulator" {
  description = "True only when applying against the moto AWS emulator in the checks: leaves out what it does not implement (the EKS cluster, Pod Identity associations and more; see terraform/README.md). Never true in a real account."
  type        = bool
  default     = false

  validation {
    condition     = !var.aws_emulator || var.environment.name != "prod"
    error_message = "aws_emulator = true is refused for prod: it leaves out the EKS cluster, the Pod Identity associations and more that moto cannot emulate (terraform/README.md), and must never reach a real prod account. The checks apply dev (or staging) to the emulator."
  }
}
