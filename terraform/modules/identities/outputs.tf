output "role_arns" {
  description = "Role of each workload, bound to its service account through EKS Pod Identity: autoscaler (cloudwatch:GetMetricData only), app (reads its database secret), lb_controller (AWS Load Balancer Controller), cluster_autoscaler (describe, and resize only this cluster's node groups)."
  value       = { for k, r in module.role : k => r.arn }
}
