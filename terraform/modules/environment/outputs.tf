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

output "database" {
  description = "Every output of modules/database, as it says them: endpoint, max_connections (the autoscaler's connection budget), master_user_secret_arn (the master credentials), multi_az, deletion_protection and more."
  value       = module.database
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
  description = "Every output of modules/backup, as it says them: bucket_name, retention_days, daily_snapshot_retention_days, function_name, schedule_expression, snapshot_prefix, alarm_topic_arn and more."
  value       = module.backup
}
