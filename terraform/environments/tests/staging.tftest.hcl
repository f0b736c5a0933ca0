# The shared root with staging's values: terraform test -filter=tests/staging.tftest.hcl -var-file=staging.tfvars
# (a test file cannot name its own var file; scripts/checks/terraform.sh runs each so),
# applied against a mocked AWS provider: its values pass every validation, and the backup
# policy holds here too.

mock_provider "aws" {
  source = "../testing/aws-mocks"
}

variables {
  # The real package is built by backup/build-zip.sh; the tests only need a zip to hash.
  environment = merge(var.environment, { backup_lambda_zip_path = "../modules/backup/tests/fixtures/placeholder.zip" })
}

run "staging_values_are_valid_and_its_invariants_hold" {
  command = apply

  assert {
    condition     = output.environment.nat_gateway_count == 1
    error_message = "staging shares one NAT gateway."
  }
  assert {
    condition     = output.environment.backup.retention_days == 1095 && output.environment.backup.bucket_name == "notejam-db-backup-staging"
    error_message = "Backups go to notejam-db-backup-staging and are kept 3 years in every environment."
  }
  assert {
    condition     = can(regex("^cron\\([0-9]+ [0-9]+ \\* \\* \\? \\*\\)$", output.environment.backup.schedule_expression))
    error_message = "The backup runs daily."
  }
  assert {
    condition     = output.environment.cluster_access_entries == { "arn:aws:iam::000000000000:role/circleci-notejam-staging-deploy" = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" }
    error_message = "The CircleCI deploy role of terraform/bootstrap (circleci-notejam-staging-deploy) needs an EKS access entry, and it is the only one."
  }
  assert {
    condition     = output.environment.name == "staging"
    error_message = "staging.tfvars must say name = \"staging\"."
  }
}

