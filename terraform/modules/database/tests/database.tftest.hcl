mock_provider "aws" {
  source = "../../testing/aws-mocks"
}

variables {
  identifier                   = "notejam-test"
  engine_version               = "16"
  instance_class               = "db.m6g.large"
  allocated_storage_gb         = 100
  max_allocated_storage_gb     = 1000
  max_connections              = 400
  multi_az                     = true
  deletion_protection          = true
  backup_retention_days        = 14
  performance_insights_enabled = true
  vpc_id                       = "vpc-00000000000000000"
  subnet_ids                   = ["subnet-0000000000000000a", "subnet-0000000000000000b", "subnet-0000000000000000c"]
  allowed_security_group_ids   = { eks_nodes = "sg-00000000000000000" }
}

run "production_settings_reach_the_instance" {
  command = apply

  assert {
    condition     = aws_db_instance.this.multi_az && aws_db_instance.this.deletion_protection
    error_message = "Multi-AZ and deletion protection must reach the instance."
  }
  assert {
    condition     = aws_db_instance.this.performance_insights_enabled && aws_db_instance.this.performance_insights_kms_key_id == module.key.arn
    error_message = "Performance Insights must be on and encrypted."
  }
  assert {
    condition     = aws_db_instance.this.backup_retention_period == 14 && !aws_db_instance.this.skip_final_snapshot
    error_message = "Automated backups and a final snapshot must be kept."
  }
}

run "encrypted_private_and_password_never_in_terraform" {
  command = apply

  assert {
    condition     = aws_db_instance.this.storage_encrypted && aws_db_instance.this.kms_key_id == module.key.arn
    error_message = "Storage must be encrypted with the module's key."
  }
  assert {
    condition     = !aws_db_instance.this.publicly_accessible
    error_message = "The database must not be publicly accessible."
  }
  assert {
    condition     = aws_db_instance.this.manage_master_user_password && aws_db_instance.this.password == null
    error_message = "The master password must be managed by RDS in Secrets Manager, never set by terraform."
  }
  assert {
    condition     = one([for p in aws_db_parameter_group.this.parameter : p.value if p.name == "rds.force_ssl"]) == "1"
    error_message = "Connections must use TLS."
  }
  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.from_nodes) == 1 && aws_vpc_security_group_ingress_rule.from_nodes["eks_nodes"].referenced_security_group_id == "sg-00000000000000000"
    error_message = "Only the EKS nodes' security group may reach the database."
  }
  assert {
    condition     = output.max_connections == 400
    error_message = "max_connections must be published."
  }
}

run "major_version_only_so_minor_upgrades_never_drift" {
  command = apply

  assert {
    condition     = aws_db_instance.this.engine_version == "16" && aws_db_instance.this.auto_minor_version_upgrade
    error_message = "The instance must ask for the major version only and let RDS apply the minor versions."
  }
  assert {
    condition     = aws_db_parameter_group.this.family == "postgres16" && aws_db_parameter_group.this.name == "notejam-test-postgres16"
    error_message = "The parameter group's family follows the major version."
  }
}

# Wrong inputs fail at plan, each on its own variable: a run lists several, and fails if any one
# of them is accepted.
run "rejects_no_automated_backups_and_a_pinned_minor_version" {
  command = plan

  variables {
    backup_retention_days = 0      # the backup Lambda copies the automated snapshots
    engine_version        = "16.4" # a minor RDS would upgrade, and the next plan downgrade
  }

  expect_failures = [var.backup_retention_days, var.engine_version]
}

run "rejects_a_major_version_before_15" {
  command = plan

  variables {
    engine_version = "14"
  }

  expect_failures = [var.engine_version]
}
