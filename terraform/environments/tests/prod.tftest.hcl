# What prod promises beyond every environment's invariants (tests/every_environment.tftest.hcl):
#   terraform test -filter=tests/every_environment.tftest.hcl -filter=tests/prod.tftest.hcl -var-file=prod.tfvars
# (a test file cannot name its own var file; scripts/checks/terraform.sh runs it so), applied
# against a mocked AWS provider: nothing real is created.

mock_provider "aws" {
  source = "../testing/aws-mocks"
}

variables {
  # The real package is built by backup/build-zip.sh; the tests only need a zip to hash.
  environment = merge(var.environment, { backup_lambda_zip_path = "../modules/backup/tests/fixtures/placeholder.zip" })
}

run "prod_is_highly_available_and_protected" {
  command = apply

  assert {
    condition     = output.environment.database.multi_az
    error_message = "prod's database must be Multi-AZ."
  }
  assert {
    condition     = output.environment.database.deletion_protection
    error_message = "prod's database must have deletion protection."
  }
  assert {
    condition     = output.environment.network.nat_gateway_count == 3
    error_message = "prod needs one NAT gateway per zone."
  }
  assert {
    condition     = output.environment.database.max_connections == 400
    error_message = "prod's database allows 400 connections (the autoscaler's connection budget)."
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
