# Where the tf-dedup refactor moved what this root had already created: the state key into
# modules/kms-key, the CircleCI roles into modules/iam-role. With these an apply only moves state
# entries; it destroys and creates nothing. Once applied in every account, they can go.

moved {
  from = aws_kms_key.state
  to   = module.state_key.aws_kms_key.this
}

# modules/circleci

moved {
  from = module.circleci.aws_iam_role.build[0]
  to   = module.circleci.module.build_role[0].aws_iam_role.this
}

moved {
  from = module.circleci.aws_iam_role_policy.build[0]
  to   = module.circleci.module.build_role[0].aws_iam_role_policy.this["push-images"]
}

moved {
  from = module.circleci.aws_iam_role.deploy
  to   = module.circleci.module.deploy_role.aws_iam_role.this
}

moved {
  from = module.circleci.aws_iam_role_policy.deploy_state
  to   = module.circleci.module.deploy_role.aws_iam_role_policy.this["terraform-state"]
}

moved {
  from = module.circleci.aws_iam_role_policy.deploy_environment
  to   = module.circleci.module.deploy_role.aws_iam_role_policy.this["terraform-environment"]
}

moved {
  from = module.circleci.aws_iam_role_policy.deploy_jobs
  to   = module.circleci.module.deploy_role.aws_iam_role_policy.this["deploy-and-gate"]
}
