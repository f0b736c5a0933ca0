# staging: values only, one `environment` object; its fields, defaults and every rule live in
# modules/environment/variables.tf (and the modules that use them).
# Usage (from the repository; init again with -reconfigure when switching environments):
#   terraform -chdir=terraform/environments init -reconfigure -backend-config=staging.backend.hcl
#   terraform -chdir=terraform/environments plan -var-file=staging.tfvars
# The Lambda zip must exist first: backup/build-zip.sh

environment = {
  name   = "staging"
  region = "eu-west-1"

  availability_zones   = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  vpc_cidr             = "10.20.0.0/16"
  public_subnet_cidrs  = ["10.20.0.0/20", "10.20.16.0/20", "10.20.32.0/20"]
  private_subnet_cidrs = ["10.20.64.0/19", "10.20.96.0/19", "10.20.128.0/19"]
  single_nat_gateway   = true

  kubernetes_version = "1.33"
  # Private API endpoint only: deploys run from inside the VPC (see terraform/README.md).
  cluster_endpoint_public_access = false
  # Three app replicas, one per zone (k8s/overlays/staging): at least one node per zone, room for a
  # rollout's surge and the load-test Job; the Cluster Autoscaler moves the count between min and max.
  # The same instance types as prod, not burstable t3: the connection baseline and knee measured here
  # set prod's scaling thresholds (docs/operations.md), and CPU credits would skew them.
  node_instance_types = ["m6i.large", "m5.large"]
  node_min_size       = 3
  node_desired_size   = 3
  node_max_size       = 6

  db_engine_version               = "16"
  db_instance_class               = "db.m6g.large" # as prod, for the same reason
  db_allocated_storage_gb         = 50
  db_max_allocated_storage_gb     = 200
  db_max_connections              = 200
  db_multi_az                     = false
  db_deletion_protection          = false
  db_backup_retention_days        = 7
  db_performance_insights_enabled = true

  backup_bucket_name     = "notejam-db-backup-staging"
  backup_lambda_zip_path = "../../backup/dist/notejam-backup.zip"

  log_retention_days = 90
}
