# One environment of Notejam Cloud: the network, its EKS cluster, the database, the images,
# the workload identities and the daily backup, wired together.

module "aws" {
  source = "../account"
}

locals {
  env  = var.environment
  name = "notejam-${local.env.name}"
  tags = merge(local.env.tags, { Environment = local.env.name })

  # The role terraform/bootstrap (modules/circleci) creates for context notejam-<env>; built from
  # its name and the caller's account, so no account id is written anywhere.
  ci_deploy_role_arn = "arn:${module.aws.partition}:iam::${module.aws.account_id}:role/${coalesce(local.env.ci_deploy_role_name, "circleci-${local.name}-deploy")}"
}

# Encrypts the environment's log groups (flow logs, EKS control plane).
module "logs_key" {
  source = "../kms-key"

  description     = "${local.name} CloudWatch Logs"
  alias           = "${local.name}-logs"
  cloudwatch_logs = { sid = "CloudWatchLogsOfThisAccount", log_group = "*", operator = "ArnLike" }
  tags            = local.tags
}

module "network" {
  source = "../network"

  name                    = local.name
  cluster_name            = local.name
  vpc_cidr                = local.env.vpc_cidr
  availability_zones      = local.env.availability_zones
  public_subnet_cidrs     = local.env.public_subnet_cidrs
  private_subnet_cidrs    = local.env.private_subnet_cidrs
  single_nat_gateway      = local.env.single_nat_gateway
  flow_log_retention_days = local.env.log_retention_days
  logs_kms_key_arn        = module.logs_key.arn
  tags                    = local.tags
}

# Left out against the emulator: moto's EKS does not store access_config or update_config,
# invents a remote_access block and returns no cluster security group, so every plan would
# replace the cluster. terraform test covers this module with a mocked provider instead.
module "cluster" {
  source = "../cluster"
  count  = var.aws_emulator ? 0 : 1

  name                   = local.name
  kubernetes_version     = local.env.kubernetes_version
  subnet_ids             = module.network.private_subnet_ids
  endpoint_public_access = local.env.cluster_endpoint_public_access
  public_access_cidrs    = local.env.cluster_public_access_cidrs
  node_instance_types    = local.env.node_instance_types
  node_min_size          = local.env.node_min_size
  node_desired_size      = local.env.node_desired_size
  node_max_size          = local.env.node_max_size
  log_retention_days     = local.env.log_retention_days
  logs_kms_key_arn       = module.logs_key.arn
  # The pipeline's deploy job applies a CRD, the namespace and RBAC objects (k8s/deploy.sh), which
  # no narrower EKS access policy covers; the same role runs terraform on this cluster anyway.
  access_entries = {
    circleci_deploy = { principal_arn = local.ci_deploy_role_arn, policy = "AmazonEKSClusterAdminPolicy" }
  }
  tags = local.tags
}

module "database" {
  source = "../database"

  identifier                   = local.name
  engine_version               = local.env.db_engine_version
  instance_class               = local.env.db_instance_class
  allocated_storage_gb         = local.env.db_allocated_storage_gb
  max_allocated_storage_gb     = local.env.db_max_allocated_storage_gb
  max_connections              = local.env.db_max_connections
  multi_az                     = local.env.db_multi_az
  deletion_protection          = local.env.db_deletion_protection
  backup_retention_days        = local.env.db_backup_retention_days
  performance_insights_enabled = local.env.db_performance_insights_enabled
  aws_emulator                 = var.aws_emulator
  vpc_id                       = module.network.vpc_id
  subnet_ids                   = module.network.private_subnet_ids
  # The emulator's EKS returns no cluster security group, so it gets no rule to reference.
  allowed_security_group_ids = { for k, id in { eks_nodes = one(module.cluster[*].cluster_security_group_id) } : k => id if !var.aws_emulator }
  tags                       = local.tags
}

module "registry" {
  source = "../registry"

  name_prefix = local.name
  tags        = local.tags
}

module "identities" {
  source = "../identities"

  name                             = local.name
  cluster_name                     = coalesce(one(module.cluster[*].cluster_name), local.name)
  db_secret_arn                    = module.database.master_user_secret_arn
  db_secret_kms_key_arn            = module.database.kms_key_arn
  create_pod_identity_associations = !var.aws_emulator
  tags                             = local.tags
}

module "backup" {
  source = "../backup"

  name                   = local.name
  bucket_name            = local.env.backup_bucket_name
  db_instance_identifier = module.database.instance_identifier
  db_kms_key_arn         = module.database.kms_key_arn
  schedule_expression    = local.env.backup_schedule_expression
  lambda_zip_path        = local.env.backup_lambda_zip_path
  alarm_actions          = local.env.alarm_actions
  alarm_emails           = local.env.backup_alarm_emails
  aws_emulator           = var.aws_emulator
  tags                   = local.tags

  daily_snapshot_retention_days = local.env.backup_daily_snapshot_retention_days
}
