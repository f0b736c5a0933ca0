output "name" {
  description = "The environment's name: dev, staging or prod."
  value       = var.environment.name
}

output "settings" {
  description = "The environment as in force: the `environment` object with its optional fields filled in (the environments root checks against it that the tfvars names no field this module does not know)."
  value       = var.environment
}

output "vpc_id" {
  description = "VPC of the environment."
  value       = module.network.vpc_id
}

output "nat_gateway_count" {
  description = "NAT gateways (1 in dev, one per zone in prod)."
  value       = module.network.nat_gateway_count
}

output "cluster_name" {
  description = "EKS cluster name (aws eks update-kubeconfig --name ...)."
  value       = one(module.cluster[*].cluster_name)
}

output "cluster_endpoint" {
  description = "Kubernetes API endpoint."
  value       = one(module.cluster[*].cluster_endpoint)
}

output "cluster_access_entries" {
  description = "Principal ARN => EKS access policy ARN of the cluster's access entries (the CircleCI deploy role). null against the emulator (no cluster)."
  value       = one(module.cluster[*].access_entries)
}

output "database_endpoint" {
  description = "host:port of the PostgreSQL database."
  value       = module.database.endpoint
}

output "database_max_connections" {
  description = "PostgreSQL max_connections: the autoscaler's database connection budget."
  value       = module.database.max_connections
}

output "database_secret_arn" {
  description = "Secrets Manager secret with the database master credentials."
  value       = module.database.master_user_secret_arn
}

output "database_multi_az" {
  description = "Whether the database is Multi-AZ."
  value       = module.database.multi_az
}

output "database_deletion_protection" {
  description = "Whether the database has deletion protection."
  value       = module.database.deletion_protection
}

output "repository_urls" {
  description = "ECR repository URL per image."
  value       = module.registry.repository_urls
}

output "workload_role_arns" {
  description = "IAM roles bound to the service accounts through EKS Pod Identity."
  value       = module.identities.role_arns
}

output "backup" {
  description = "The daily backup: bucket, retention of exports and monthly copies, of daily copies, function, schedule, kept-snapshot prefix, alarm topic."
  value = {
    bucket_name         = module.backup.bucket_name
    retention_days      = module.backup.retention_days
    function_name       = module.backup.function_name
    schedule_expression = module.backup.schedule_expression
    snapshot_prefix     = module.backup.snapshot_prefix
    daily_snapshot_days = module.backup.daily_snapshot_retention_days
    alarm_topic_arn     = module.backup.alarm_topic_arn
  }
}
