# What every environment promises, checked once per environment with that environment's values:
#   terraform test -filter=tests/every_environment.tftest.hcl [-filter=tests/<env>.tftest.hcl] -var-file=<env>.tfvars
# (a test file cannot name its own var file; scripts/checks/terraform.sh runs it for each
# <env>.tfvars), applied against a mocked AWS provider: nothing real is created. A new environment
# is held to these without a test of its own; what only one environment promises (prod's high
# availability) is in tests/<env>.tftest.hcl.

mock_provider "aws" {
  source = "../testing/aws-mocks"
}

variables {
  # The real package is built by backup/build-zip.sh; the tests only need a zip to hash.
  environment = merge(var.environment, { backup_lambda_zip_path = "../modules/backup/tests/fixtures/placeholder.zip" })
}

run "values_are_valid_and_the_shared_invariants_hold" {
  command = apply

  assert {
    condition     = output.environment.network.nat_gateway_count == (var.environment.single_nat_gateway ? 1 : length(var.environment.availability_zones))
    error_message = "${var.environment.name}: one NAT gateway with single_nat_gateway, else one per zone."
  }
  assert {
    condition     = output.environment.backup.retention_days == 1095
    error_message = "${var.environment.name}: backups are kept 3 years in every environment."
  }
  assert {
    condition     = startswith(output.environment.backup.bucket_name, "notejam-db-backup")
    error_message = "${var.environment.name}: the export bucket is notejam-db-backup(-suffix)."
  }
  assert {
    condition     = can(regex("^cron\\([0-9]+ [0-9]+ \\* \\* \\? \\*\\)$", output.environment.backup.schedule_expression))
    error_message = "${var.environment.name}: the backup runs daily."
  }
  assert {
    condition     = output.environment.database.max_connections == var.environment.db_max_connections
    error_message = "${var.environment.name}: the database's max_connections is published for the autoscaler."
  }
  assert {
    condition     = output.environment.cluster.access_entries == { "arn:aws:iam::000000000000:role/circleci-notejam-${var.environment.name}-deploy" = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" }
    error_message = "${var.environment.name}: the CircleCI deploy role of terraform/bootstrap (circleci-notejam-${var.environment.name}-deploy) needs an EKS access entry, and it is the only one."
  }
}

# The module's object type would drop a field it does not declare; the root refuses one instead.
run "the_root_refuses_an_unknown_field" {
  command = plan

  variables {
    environment = merge(var.environment, { db_multi_zone = true })
  }

  expect_failures = [output.environment]
}

# An <env>.tfvars names its own environment: these values under another environment's name
# (one whose rules they meet, so only the name is wrong) are refused.
run "the_root_refuses_another_environments_name" {
  command = plan

  variables {
    environment = merge(var.environment, { name = var.environment.name == "staging" ? "dev" : "staging" })
  }

  expect_failures = [output.environment]
}
