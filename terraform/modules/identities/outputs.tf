output "autoscaler_role_arn" {
  description = "Role of notejam-autoscaler (cloudwatch:GetMetricData only)."
  value       = module.role["autoscaler"].arn
}

output "app_role_arn" {
  description = "Role of the notejam app (reads its database secret, nothing else)."
  value       = module.role["app"].arn
}

output "cluster_autoscaler_role_arn" {
  description = "Role of the Kubernetes Cluster Autoscaler (describe, and resize only this cluster's node groups)."
  value       = module.role["cluster_autoscaler"].arn
}

output "lb_controller_role_arn" {
  description = "Role of the AWS Load Balancer Controller."
  value       = module.role["lb_controller"].arn
}
