mock_provider "aws" {
  source = "../../testing/aws-mocks"
}

variables {
  name                    = "notejam-test"
  cluster_name            = "notejam-test"
  vpc_cidr                = "10.30.0.0/16"
  availability_zones      = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  public_subnet_cidrs     = ["10.30.0.0/20", "10.30.16.0/20", "10.30.32.0/20"]
  private_subnet_cidrs    = ["10.30.64.0/19", "10.30.96.0/19", "10.30.128.0/19"]
  single_nat_gateway      = false
  flow_log_retention_days = 365
  logs_kms_key_arn        = "arn:aws:kms:eu-west-1:000000000000:key/logs"
}

run "three_zones_with_a_nat_each_and_flow_logs" {
  command = plan

  assert {
    condition     = length(aws_subnet.public) == 3 && length(aws_subnet.private) == 3 && length(aws_nat_gateway.this) == 3
    error_message = "Three zones, each with a public and a private subnet and its own NAT gateway."
  }
  assert {
    condition     = aws_flow_log.this.traffic_type == "ALL" && aws_cloudwatch_log_group.flow_logs.kms_key_id != null
    error_message = "All traffic must be logged to an encrypted log group."
  }
  assert {
    condition     = alltrue([for s in aws_subnet.public : s.tags["kubernetes.io/role/elb"] == "1" && !s.map_public_ip_on_launch])
    error_message = "Public subnets are tagged for internet-facing load balancers and hand out no public IPs."
  }
  assert {
    condition     = alltrue([for s in aws_subnet.private : s.tags["kubernetes.io/role/internal-elb"] == "1"])
    error_message = "Private subnets are tagged for internal load balancers."
  }
}

run "dev_shares_one_nat_gateway" {
  command = plan

  variables {
    single_nat_gateway = true
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 1 && length(aws_route.private_nat) == 3
    error_message = "With a single NAT gateway every private route table still routes through it."
  }
}

run "rejects_a_malformed_cidr_and_two_zones" {
  command = plan

  variables {
    vpc_cidr           = "10.300.0.0/16"
    availability_zones = ["eu-west-1a", "eu-west-1b"]
  }

  expect_failures = [var.vpc_cidr, var.availability_zones]
}
