output "state_bucket" {
  description = "Bucket named in environments/<environment>.backend.hcl."
  value       = aws_s3_bucket.state.bucket
}

output "circleci_deploy_role_arn" {
  description = "AWS_ROLE_ARN of CircleCI context notejam-<environment>: terraform plan/apply of the environment, EKS deploy and load-test gate."
  value       = module.circleci.deploy_role_arn
}

output "circleci_build_role_arn" {
  description = "AWS_ROLE_ARN of CircleCI context notejam-build: pushes the images to notejam-{dev,staging,prod}/*. null where create_circleci_build_role is false."
  value       = module.circleci.build_role_arn
}

output "ecr_registry" {
  description = "ECR_REGISTRY of CircleCI context notejam-build (when this account holds the build role): <account>.dkr.ecr.<region>.amazonaws.com."
  value       = module.circleci.ecr_registry
}

output "circleci_oidc_provider_arn" {
  description = "The IAM OIDC provider of the CircleCI organization that the roles trust."
  value       = module.circleci.oidc_provider_arn
}
