# The CircleCI OIDC provider and roles with a mocked AWS provider (nothing real is created). The
# ids below are made up: no real CircleCI organization or project, and the all-zero account of
# testing/aws-mocks.

mock_provider "aws" {
  source = "../../testing/aws-mocks"
}

variables {
  org_id            = "11111111-2222-4333-8444-555555555555"
  project_id        = "66666666-7777-4888-9999-aaaaaaaaaaaa"
  region            = "eu-west-1"
  environment       = "prod"
  state_bucket_arn  = "arn:aws:s3:::notejam-cloud-tfstate-prod"
  state_key         = "notejam/prod/terraform.tfstate"
  state_kms_key_arn = "arn:aws:kms:eu-west-1:000000000000:key/00000000-0000-0000-0000-000000000000"
}

run "provider_is_the_organizations_issuer_with_its_audience" {
  command = apply

  assert {
    condition     = aws_iam_openid_connect_provider.circleci[0].url == "https://oidc.circleci.com/org/11111111-2222-4333-8444-555555555555"
    error_message = "The provider must be the organization's issuer, https://oidc.circleci.com/org/<org_id>."
  }
  assert {
    condition     = aws_iam_openid_connect_provider.circleci[0].client_id_list == toset(["11111111-2222-4333-8444-555555555555"])
    error_message = "The audience (client id) must be the organization id and nothing else."
  }
}

run "trust_pins_audience_and_project" {
  command = apply

  assert {
    condition = alltrue([
      for policy in [module.deploy_role.assume_role_policy, module.build_role[0].assume_role_policy] :
      jsondecode(policy).Statement[0].Condition.StringEquals["oidc.circleci.com/org/11111111-2222-4333-8444-555555555555:aud"] == "11111111-2222-4333-8444-555555555555"
    ])
    error_message = "Both roles must require aud = the organization id."
  }
  assert {
    condition = alltrue([
      for policy in [module.deploy_role.assume_role_policy, module.build_role[0].assume_role_policy] :
      jsondecode(policy).Statement[0].Condition.StringLike["oidc.circleci.com/org/11111111-2222-4333-8444-555555555555:sub"] == ["org/11111111-2222-4333-8444-555555555555/project/66666666-7777-4888-9999-aaaaaaaaaaaa/user/*"]
    ])
    error_message = "Both roles must require sub = org/<org>/project/<project>/user/*."
  }
  assert {
    condition = alltrue([
      for policy in [module.deploy_role.assume_role_policy, module.build_role[0].assume_role_policy] :
      length(jsondecode(policy).Statement) == 1 &&
      jsondecode(policy).Statement[0].Action == "sts:AssumeRoleWithWebIdentity" &&
      jsondecode(policy).Statement[0].Principal.Federated == aws_iam_openid_connect_provider.circleci[0].arn
    ])
    error_message = "The only way in is AssumeRoleWithWebIdentity through the CircleCI provider."
  }
}

# The context restriction that is possible in AWS: none. IAM evaluates only the registered
# claims (aud, sub...) of a generic OIDC provider, so a condition on oidc.circleci.com/context-ids
# would deny every job. The trust must therefore use exactly the aud and sub keys, nothing that
# would lock the pipeline out.
run "trust_uses_only_claims_iam_evaluates" {
  command = apply

  assert {
    condition = alltrue([
      for policy in [module.deploy_role.assume_role_policy, module.build_role[0].assume_role_policy] :
      sort(flatten([for op, kv in jsondecode(policy).Statement[0].Condition : keys(kv)])) == sort([
        "oidc.circleci.com/org/11111111-2222-4333-8444-555555555555:aud",
        "oidc.circleci.com/org/11111111-2222-4333-8444-555555555555:sub",
      ])
    ])
    error_message = "The trust may only test aud and sub (IAM cannot evaluate oidc.circleci.com/context-ids)."
  }
  assert {
    condition     = !strcontains(module.deploy_role.assume_role_policy, "context-ids")
    error_message = "A context-ids condition would never match in IAM and lock the pipeline out."
  }
}

# What can narrow the prod role instead: the ref, which $CIRCLE_OIDC_TOKEN_V2 carries in sub.
run "prod_deploy_role_can_be_pinned_to_main" {
  command = apply

  variables {
    deploy_vcs_refs = ["refs/heads/main"]
    vcs_origin      = "github.com/example/notejam-cloud"
  }

  assert {
    condition     = jsondecode(module.deploy_role.assume_role_policy).Statement[0].Condition.StringLike["oidc.circleci.com/org/11111111-2222-4333-8444-555555555555:sub"] == ["org/11111111-2222-4333-8444-555555555555/project/66666666-7777-4888-9999-aaaaaaaaaaaa/user/????????-????-????-????-????????????/vcs-origin/github.com/example/notejam-cloud/vcs-ref/refs/heads/main"]
    error_message = "A pinned deploy role must admit only tokens of that origin and ref, with no '*' a branch name could fill."
  }
  assert {
    condition     = jsondecode(module.build_role[0].assume_role_policy).Statement[0].Condition.StringLike["oidc.circleci.com/org/11111111-2222-4333-8444-555555555555:sub"] == ["org/11111111-2222-4333-8444-555555555555/project/66666666-7777-4888-9999-aaaaaaaaaaaa/user/*"]
    error_message = "The build role builds every branch: it stays open to the whole project."
  }
}

run "deploy_role_reaches_its_state_and_cluster" {
  command = apply

  assert {
    condition     = module.deploy_role.name == "circleci-notejam-prod-deploy"
    error_message = "modules/environment gives the access entry to circleci-notejam-<env>-deploy: the names must agree."
  }
  assert {
    condition = contains([
      for s in jsondecode(module.deploy_role.inline_policies["terraform-state"].policy).Statement : s.Resource if s.Effect == "Allow"
    ], "arn:aws:s3:::notejam-cloud-tfstate-prod/notejam/prod/terraform.tfstate.tflock")
    error_message = "The deploy role must be able to take the S3 lock file of its state."
  }
  assert {
    condition = anytrue([
      for s in jsondecode(module.deploy_role.inline_policies["terraform-state"].policy).Statement :
      s.Effect == "Allow" && s.Resource == "arn:aws:s3:::notejam-cloud-tfstate-prod/notejam/prod/terraform.tfstate" && contains(flatten([try(s.Action, [])]), "s3:PutObject")
    ])
    error_message = "The deploy role must be able to write its state."
  }
  assert {
    condition = anytrue([
      for s in jsondecode(module.deploy_role.inline_policies["deploy-and-gate"].policy).Statement :
      try(s.Action, null) == "eks:DescribeCluster" && s.Resource == "arn:aws:eks:eu-west-1:000000000000:cluster/notejam-prod"
    ])
    error_message = "The deploy job runs aws eks update-kubeconfig: eks:DescribeCluster on notejam-<env>."
  }
  assert {
    condition = anytrue([
      for s in jsondecode(module.deploy_role.inline_policies["terraform-environment"].policy).Statement :
      s.Effect == "Deny" && contains(flatten([s.Resource]), "arn:aws:iam::000000000000:role/circleci-*")
    ])
    error_message = "The deploy role must not be able to change the CI roles (its own trust included)."
  }
}

run "build_role_pushes_to_every_environment" {
  command = apply

  assert {
    condition = jsondecode(module.build_role[0].inline_policies["push-images"].policy).Statement[1].Resource == [
      "arn:aws:ecr:eu-west-1:000000000000:repository/notejam-dev/*",
      "arn:aws:ecr:eu-west-1:000000000000:repository/notejam-staging/*",
      "arn:aws:ecr:eu-west-1:000000000000:repository/notejam-prod/*",
    ]
    error_message = "build-image pushes $ECR_REGISTRY/notejam-<env>/<image> for dev, staging and prod."
  }
  assert {
    condition     = contains(jsondecode(module.build_role[0].inline_policies["push-images"].policy).Statement[1].Action, "ecr:PutImage")
    error_message = "The build role must be able to push."
  }
}

run "an_existing_provider_is_trusted_not_recreated" {
  command = apply

  variables {
    create_oidc_provider = false
    create_build_role    = false
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.circleci) == 0 && length(module.build_role) == 0
    error_message = "Nothing account-wide is created when asked not to."
  }
  assert {
    condition     = jsondecode(module.deploy_role.assume_role_policy).Statement[0].Principal.Federated == "arn:aws:iam::000000000000:oidc-provider/oidc.circleci.com/org/11111111-2222-4333-8444-555555555555"
    error_message = "Without creating it, the role must trust the account's existing provider of the same issuer."
  }
}

run "rejects_ids_that_are_not_uuids" {
  command = plan

  variables {
    org_id     = "notejam-cloud"
    project_id = "66666666-7777-4888-9999"
  }

  expect_failures = [var.org_id, var.project_id]
}

run "rejects_ref_pinning_without_the_origin" {
  command = plan

  variables {
    deploy_vcs_refs = ["refs/heads/main"]
  }

  expect_failures = [var.deploy_vcs_refs]
}

run "rejects_a_wildcard_ref" {
  command = plan

  variables {
    deploy_vcs_refs = ["refs/heads/*"]
    vcs_origin      = "github.com/example/notejam-cloud"
  }

  expect_failures = [var.deploy_vcs_refs]
}
