output "oidc_provider_arn" {
  description = "IAM OIDC provider of https://oidc.circleci.com/org/<org_id> that the roles trust."
  value       = local.oidc_provider_arn
}

output "build_role_arn" {
  description = "Build role (ECR push to every environment's repositories): AWS_ROLE_ARN of CircleCI context notejam-build. null when create_build_role is false."
  value       = one(module.build_role[*].arn)
}

output "deploy_role_arn" {
  description = "Deploy role of the environment (terraform plan/apply, EKS deploy, load-test gate): AWS_ROLE_ARN of CircleCI context notejam-<environment>."
  value       = module.deploy_role.arn
}

output "deploy_role_name" {
  description = "Name of the deploy role; modules/environment gives it an EKS access entry under this name."
  value       = module.deploy_role.name
}

output "ecr_registry" {
  description = "Registry host of this account and region: ECR_REGISTRY of CircleCI context notejam-build."
  value       = "${module.aws.account_id}.dkr.ecr.${var.region}.${module.aws.dns_suffix}"
}
