# The bootstrap root with a mocked AWS provider (nothing real is created): the deploy role gets
# the name the environments root gives an EKS access entry and the state key of
# environments/<environment>.backend.hcl, and the CircleCI ids are validated. The ids are made
# up; the account is testing/aws-mocks' zeros. modules/circleci/tests covers the policies.

mock_provider "aws" {
  source = "../testing/aws-mocks"

  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::notejam-cloud-tfstate-prod" }
  }
}

variables {
  environment         = "prod"
  circleci_org_id     = "11111111-2222-4333-8444-555555555555"
  circleci_project_id = "66666666-7777-4888-9999-aaaaaaaaaaaa"
}

# plan, not apply: the state bucket has prevent_destroy, so the test could not tear it down.
run "roles_for_the_contexts" {
  command = plan

  assert {
    condition     = module.circleci.deploy_role_name == "circleci-notejam-prod-deploy"
    error_message = "environments/prod gives the EKS access entry to circleci-notejam-prod-deploy."
  }
  assert {
    condition     = output.ecr_registry == "000000000000.dkr.ecr.eu-west-1.amazonaws.com"
    error_message = "ECR_REGISTRY is the account's registry in the region."
  }
  assert {
    condition     = local.state_key == "notejam/prod/terraform.tfstate"
    error_message = "The deploy role must reach the key that environments/prod.backend.hcl names."
  }
}

run "rejects_ids_that_are_not_uuids" {
  command = plan

  variables {
    circleci_org_id     = "00000000000000000000000000000000"
    circleci_project_id = "my-project"
  }

  expect_failures = [var.circleci_org_id, var.circleci_project_id]
}
