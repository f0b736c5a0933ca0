# dev: values only, one `environment` object; its fields, defaults and every rule live in
# modules/environment/variables.tf (and the modules that use them).
# Usage (from the repository; init again with -reconfigure when switching environments):
#   terraform -chdir=terraform/environments init -reconfigure -backend-config=dev.backend.hcl
#   terraform -chdir=terraform/environments plan -var-file=dev.tfvars
# The Lambda zip must exist first: backup/build-zip.sh

environment = {
  name   = "dev"
  region = "eu-west-1"

  availability_zones   = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  vpc_cidr             = "10.10.0.0/16"
  public_subnet_cidrs  = ["10.10.0.0/20", "10.10.16.0/20", "10.10.32.0/20"]
  private_subnet_cidrs = ["10.10.64.0/19", "10.10.96.0/19", "10.10.128.0/19"]
  single_nat_gateway   = true

  kubernetes_version = "1.33"
  # Private API endpoint only: deploys run from inside the VPC (see terraform/README.md).
  cluster_endpoint_public_access = false
  # One app replica (k8s/overlays/dev); the Cluster Autoscaler moves the node count between min and max.
  node_instance_types = ["t3.large"]
  node_min_size       = 1
  node_desired_size   = 2
  node_max_size       = 4

  db_engine_version               = "16"
  db_instance_class               = "db.t4g.micro"
  db_allocated_storage_gb         = 20
  db_max_allocated_storage_gb     = 50
  db_max_connections              = 100
  db_multi_az                     = false
  db_deletion_protection          = false
  db_backup_retention_days        = 1
  db_performance_insights_enabled = false

  backup_bucket_name     = "notejam-db-backup-dev"
  backup_lambda_zip_path = "../../backup/dist/notejam-backup.zip"

  log_retention_days = 30
}
