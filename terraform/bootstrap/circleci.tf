# CircleCI's OIDC provider and roles (modules/circleci). Here rather than in the environment
# roots: the pipeline runs those roots *with* the deploy role, so a role managed there could be
# widened, re-trusted or deleted by the pipeline itself, and it would not exist before the first
# apply. This root is applied by a person with the account's admin credentials, and its state
# already names the state bucket and key the role needs. The EKS access entry of the role is in
# the environment roots (modules/cluster): it needs the cluster. See terraform/README.md.

locals {
  # The key in environments/<environment>.backend.hcl (the backend of the shared root).
  state_key = "notejam/${var.environment}/terraform.tfstate"
}

module "circleci" {
  source = "../modules/circleci"

  org_id               = var.circleci_org_id
  project_id           = var.circleci_project_id
  create_oidc_provider = var.create_circleci_oidc_provider
  create_build_role    = var.create_circleci_build_role
  region               = var.region
  environment          = var.environment
  state_bucket_arn     = aws_s3_bucket.state.arn
  state_key            = local.state_key
  state_kms_key_arn    = module.state_key.arn
  deploy_vcs_refs      = var.circleci_deploy_vcs_refs
  vcs_origin           = var.circleci_vcs_origin
}
