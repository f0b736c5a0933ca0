data "aws_partition" "current" {}

locals {
  partition = data.aws_partition.current.partition
  major     = var.engine_version

  parameters = {
    "rds.force_ssl"              = { value = "1", apply_method = "immediate" }
    "max_connections"            = { value = tostring(var.max_connections), apply_method = "pending-reboot" }
    "log_min_duration_statement" = { value = "500", apply_method = "immediate" }
    "log_connections"            = { value = "1", apply_method = "immediate" }
  }
}

# One key for the storage, the master-password secret and Performance Insights.
module "key" {
  source = "../kms-key"

  description = "${var.identifier} RDS storage, snapshots, master secret and Performance Insights"
  alias       = "${var.identifier}-rds"
  tags        = var.tags
}

resource "aws_db_subnet_group" "this" {
  name       = var.identifier
  subnet_ids = var.subnet_ids
  tags       = var.tags
}

resource "aws_security_group" "this" {
  name        = "${var.identifier}-db"
  description = "PostgreSQL of ${var.identifier}: reachable only from the EKS nodes"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.identifier}-db" })
}

resource "aws_vpc_security_group_ingress_rule" "from_nodes" {
  for_each = var.allowed_security_group_ids

  security_group_id            = aws_security_group.this.id
  description                  = "PostgreSQL from ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = each.value
  tags                         = var.tags
}

resource "aws_db_parameter_group" "this" {
  name        = "${var.identifier}-postgres${local.major}"
  family      = "postgres${local.major}"
  description = "notejam: TLS only, explicit max_connections, slow-query logging"

  dynamic "parameter" {
    for_each = var.aws_emulator ? {} : local.parameters
    content {
      name         = parameter.key
      value        = parameter.value.value
      apply_method = parameter.value.apply_method
    }
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

module "monitoring_role" {
  source = "../iam-role"
  count  = var.monitoring_interval_seconds > 0 ? 1 : 0

  name                = "${var.identifier}-rds-monitoring"
  trusted_service     = "monitoring.rds.amazonaws.com"
  managed_policy_arns = { AmazonRDSEnhancedMonitoringRole = "arn:${local.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole" }
  tags                = var.tags
}

resource "aws_db_instance" "this" {
  identifier     = var.identifier
  engine         = "postgres"
  engine_version = var.engine_version
  instance_class = var.instance_class
  db_name        = var.database_name
  port           = 5432

  username                      = var.master_username
  manage_master_user_password   = true
  master_user_secret_kms_key_id = module.key.arn

  allocated_storage     = var.allocated_storage_gb
  max_allocated_storage = var.max_allocated_storage_gb
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = module.key.arn

  multi_az               = var.multi_az
  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.this.id]
  publicly_accessible    = false
  parameter_group_name   = aws_db_parameter_group.this.name

  iam_database_authentication_enabled = true
  deletion_protection                 = var.deletion_protection
  skip_final_snapshot                 = false
  final_snapshot_identifier           = "${var.identifier}-final"
  copy_tags_to_snapshot               = true
  backup_retention_period             = var.backup_retention_days
  backup_window                       = var.backup_window
  maintenance_window                  = var.maintenance_window
  # engine_version names the major only, so the minors RDS installs never show as drift.
  auto_minor_version_upgrade      = true
  enabled_cloudwatch_logs_exports = ["postgresql", "upgrade"]

  performance_insights_enabled          = var.performance_insights_enabled
  performance_insights_kms_key_id       = var.performance_insights_enabled ? module.key.arn : null
  performance_insights_retention_period = var.performance_insights_enabled ? 7 : null

  monitoring_interval = var.monitoring_interval_seconds
  monitoring_role_arn = one(module.monitoring_role[*].arn)

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.max_allocated_storage_gb >= var.allocated_storage_gb
      error_message = "max_allocated_storage_gb must be at least allocated_storage_gb."
    }
  }

  depends_on = [module.monitoring_role]
}
