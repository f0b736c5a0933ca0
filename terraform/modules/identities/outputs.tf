output "autoscaler_role_arn" {
  description = "Role of notejam-autoscaler (cloudwatch:GetMetricData only)."
  value       = aws_iam_role.autoscaler.arn
}

output "app_role_arn" {
  description = "Role of the notejam app (reads its database secret)."
  value       = aws_iam_role.app.arn
}

output "lb_controller_role_arn" {
  description = "Role of the AWS Load Balancer Controller."
  value       = aws_iam_role.lb_controller.arn
}
