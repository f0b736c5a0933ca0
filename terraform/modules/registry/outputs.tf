output "repository_urls" {
  description = "Image name => repository URL (for docker push and the k8s overlays)."
  value       = { for k, r in aws_ecr_repository.this : k => r.repository_url }
}

output "repository_arns" {
  description = "Image name => repository ARN."
  value       = { for k, r in aws_ecr_repository.this : k => r.arn }
}
