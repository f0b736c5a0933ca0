output "name" {
  description = "The environment's name: dev, staging or prod."
  value       = var.environment.name
}

output "settings" {
  description = "The environment as in force: the `environment` object with its optional fields filled in (the environments root checks against it that the tfvars names no field this module does not know)."
  value       = var.environment
}

output "network" {
  description = "Every output of modules/network: vpc_id, vpc_cidr, public_subnet_ids, private_subnet_ids, nat_gateway_count (1 in dev, one per zone in prod), flow_log_group_name."
  value       = module.network
}

output "cluster" {
  description = "Every output of modules/cluster: cluster_name (aws eks update-kubeconfig --name ...), cluster_endpoint, access_entries (principal ARN => EKS access policy ARN: the CircleCI deploy role) and more. null against the emulator (no cluster)."
  value       = one(module.cluster[*])
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
