output "autoscaler_role_arn" {
  description = "Role of notejam-autoscaler (cloudwatch:GetMetricData only)."
  value       = aws_iam_role.autoscaler.arn
}

output "app_role_arn" {
  description = "Role of the notejam app (reads its database secret, nothing else)."
  value       = aws_iam_role.app.arn
}

output "cluster_autoscaler_role_arn" {
  description = "Role of the Kubernetes Cluster Autoscaler (describe, and resize only this cluster's node groups)."
  value       = aws_iam_role.cluster_autoscaler.arn
}

output "lb_controller_role_arn" {
  description = "Role of the AWS Load Balancer Controller."
  value       = aws_iam_role.lb_controller.arn
}
