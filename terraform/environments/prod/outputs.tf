# Each root is one environment: its directory names it, and so does its state key (versions.tf).
# A variables.tfvars copied from another root without changing `environment` fails at plan.
output "environment" {
  description = "The environment of this root (dev, staging or prod), checked against the root's directory."
  value       = var.environment

  precondition {
    condition     = var.environment == basename(abspath(path.root))
    error_message = "environment in variables.tfvars must name this root's directory (environments/${basename(abspath(path.root))}); it says \"${var.environment}\"."
  }
}

output "cluster_name" {
  description = "EKS cluster name."
  value       = module.environment.cluster_name
}

output "cluster_endpoint" {
  description = "Kubernetes API endpoint."
  value       = module.environment.cluster_endpoint
}

output "cluster_access_entries" {
  description = "Principal ARN => EKS access policy of the cluster's access entries: the CircleCI deploy role (terraform/bootstrap output circleci_deploy_role_arn)."
  value       = module.environment.cluster_access_entries
}

output "database_endpoint" {
  description = "host:port of the PostgreSQL database."
  value       = module.environment.database_endpoint
}

output "database_max_connections" {
  description = "PostgreSQL max_connections: the autoscaler's database connection budget."
  value       = module.environment.database_max_connections
}

output "database_secret_arn" {
  description = "Secrets Manager secret with the database master credentials."
  value       = module.environment.database_secret_arn
}

output "database_multi_az" {
  description = "Whether the database is Multi-AZ."
  value       = module.environment.database_multi_az
}

output "database_deletion_protection" {
  description = "Whether the database has deletion protection."
  value       = module.environment.database_deletion_protection
}

output "nat_gateway_count" {
  description = "NAT gateways in the VPC."
  value       = module.environment.nat_gateway_count
}

output "repository_urls" {
  description = "ECR repository URL per image."
  value       = module.environment.repository_urls
}

output "workload_role_arns" {
  description = "IAM roles (EKS Pod Identity) of the app, notejam-autoscaler, the Load Balancer Controller and the Kubernetes Cluster Autoscaler."
  value       = module.environment.workload_role_arns
}

output "backup" {
  description = "The daily backup: bucket, retention, function, schedule, kept-snapshot prefix."
  value       = module.environment.backup
}
