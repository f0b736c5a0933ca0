# The shared root with prod's values: terraform test -filter=tests/prod.tftest.hcl -var-file=prod.tfvars
# (a test file cannot name its own var file; scripts/checks/terraform.sh runs each so),
# applied against a mocked AWS provider: nothing real is created.

mock_provider "aws" {
  source = "../testing/aws-mocks"
}

variables {
  # The real package is built by backup/build-zip.sh; the tests only need a zip to hash.
  environment = merge(var.environment, { backup_lambda_zip_path = "../modules/backup/tests/fixtures/placeholder.zip" })
}

run "prod_is_highly_available_protected_and_its_invariants_hold" {
  command = apply

  assert {
    condition     = output.environment.database_multi_az
    error_message = "prod's database must be Multi-AZ."
  }
  assert {
    condition     = output.environment.database_deletion_protection
    error_message = "prod's database must have deletion protection."
  }
  assert {
    condition     = output.environment.nat_gateway_count == 3
    error_message = "prod needs one NAT gateway per zone."
  }
  assert {
    condition     = output.environment.database_max_connections == 400
    error_message = "max_connections is published for the autoscaler."
  }
  assert {
    condition     = output.environment.cluster_access_entries == { "arn:aws:iam::000000000000:role/circleci-notejam-prod-deploy" = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" }
    error_message = "The CircleCI deploy role of terraform/bootstrap (circleci-notejam-prod-deploy) needs an EKS access entry, and it is the only one."
  }
  assert {
    condition     = output.environment.backup.retention_days == 1095
    error_message = "Backups are kept for 3 years."
  }
  assert {
    condition     = startswith(output.environment.backup.bucket_name, "notejam-db-backup")
    error_message = "The export bucket is notejam-db-backup(-suffix)."
  }
  assert {
    condition     = can(regex("^cron\\([0-9]+ [0-9]+ \\* \\* \\? \\*\\)$", output.environment.backup.schedule_expression))
    error_message = "The backup runs daily."
  }
  assert {
    condition     = output.environment.name == "prod"
    error_message = "prod.tfvars must say name = \"prod\"."
  }
}

# The rules behind the settings above live in modules/environment: a prod tfvars that weakens
# them fails at plan with a clear message. Each run changes one field of prod's values, which the
# runs above show pass every validation, so that field is what var.environment fails on.
run "prod_refuses_a_single_az_database" {
  command = plan
  module {
    source = "../modules/environment"
  }

  variables {
    environment = merge(var.environment, { db_multi_az = false })
  }

  expect_failures = [var.environment]
}

run "prod_refuses_a_database_without_deletion_protection" {
  command = plan
  module {
    source = "../modules/environment"
  }

  variables {
    environment = merge(var.environment, { db_deletion_protection = false })
  }

  expect_failures = [var.environment]
}

run "prod_refuses_a_single_nat_gateway" {
  command = plan
  module {
    source = "../modules/environment"
  }

  variables {
    environment = merge(var.environment, { single_nat_gateway = true })
  }

  expect_failures = [var.environment]
}

run "prod_refuses_a_database_without_performance_insights" {
  command = plan
  module {
    source = "../modules/environment"
  }

  variables {
    environment = merge(var.environment, { db_performance_insights_enabled = false })
  }

  expect_failures = [var.environment]
}

# The emulator switch leaves out the cluster and more; it must never reach prod. The roots have no
# input for it (only the checks' override file sets it on the module), and the module refuses it.
run "prod_module_refuses_the_aws_emulator" {
  command = plan
  module {
    source = "../modules/environment"
  }

  variables {
    aws_emulator = true
  }

  expect_failures = [var.aws_emulator]
}

# prod.tfvars names its own environment: prod's values under another name are refused.
run "prod_root_refuses_another_environment" {
  command = plan

  variables {
    environment = merge(var.environment, { name = "staging" })
  }

  expect_failures = [output.environment]
}
