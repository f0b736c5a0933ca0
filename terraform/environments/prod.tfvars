# prod: values only, one `environment` object; its fields, defaults and every rule live in
# modules/environment/variables.tf (and the modules that use them).
# Usage (from the repository; init again with -reconfigure when switching environments):
#   terraform -chdir=terraform/environments init -reconfigure -backend-config=prod.backend.hcl
#   terraform -chdir=terraform/environments plan -var-file=prod.tfvars
# The Lambda zip must exist first: backup/build-zip.sh

environment = {
  name   = "prod"
  region = "eu-west-1"

  availability_zones   = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  vpc_cidr             = "10.30.0.0/16"
  public_subnet_cidrs  = ["10.30.0.0/20", "10.30.16.0/20", "10.30.32.0/20"]
  private_subnet_cidrs = ["10.30.64.0/19", "10.30.96.0/19", "10.30.128.0/19"]
  single_nat_gateway   = false

  kubernetes_version = "1.33"
  # Private API endpoint only: deploys run from inside the VPC (see terraform/README.md).
  cluster_endpoint_public_access = false
  # The app runs 3 to 30 replicas (k8s/overlays/prod ScalingPolicy), each requesting 500m CPU, spread
  # evenly over the three zones; a rollout surges 25 %. A 2-vCPU node fits 3 of them beside its
  # daemon sets: 30 replicas + surge (38 pods) need 13 nodes, 15 keeps the zones even and leaves room
  # for the cluster's own pods. The Cluster Autoscaler moves the count between min and max.
  node_instance_types = ["m6i.large", "m5.large"]
  node_min_size       = 3
  node_desired_size   = 3
  node_max_size       = 15

  db_engine_version               = "16"
  db_instance_class               = "db.m6g.large"
  db_allocated_storage_gb         = 100
  db_max_allocated_storage_gb     = 1000
  db_max_connections              = 400
  db_multi_az                     = true
  db_deletion_protection          = true
  db_backup_retention_days        = 14
  db_performance_insights_enabled = true

  backup_bucket_name     = "notejam-db-backup-prod"
  backup_lambda_zip_path = "../../backup/dist/notejam-backup.zip"

  log_retention_days = 365
}
