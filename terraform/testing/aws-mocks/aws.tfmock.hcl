# Shared defaults for `mock_provider "aws"` in the terraform tests: the provider validates ARNs
# it passes between resources, so mocked ARNs must look like ARNs. The account is all zeros on
# purpose: it is no real account.

mock_data "aws_region" {
  defaults = { name = "eu-west-1" }
}

mock_data "aws_partition" {
  defaults = { partition = "aws", dns_suffix = "amazonaws.com" }
}

mock_data "aws_caller_identity" {
  defaults = { account_id = "000000000000" }
}

mock_resource "aws_kms_key" {
  defaults = { arn = "arn:aws:kms:eu-west-1:000000000000:key/00000000-0000-0000-0000-000000000000" }
}

mock_resource "aws_iam_role" {
  defaults = { arn = "arn:aws:iam::000000000000:role/mocked" }
}

mock_resource "aws_iam_openid_connect_provider" {
  defaults = { arn = "arn:aws:iam::000000000000:oidc-provider/oidc.circleci.com/org/mocked" }
}

mock_resource "aws_iam_policy" {
  defaults = { arn = "arn:aws:iam::000000000000:policy/mocked" }
}

mock_resource "aws_sqs_queue" {
  defaults = { arn = "arn:aws:sqs:eu-west-1:000000000000:mocked" }
}

mock_resource "aws_s3_bucket" {
  defaults = { arn = "arn:aws:s3:::notejam-db-backup-mocked" }
}

mock_resource "aws_cloudwatch_log_group" {
  defaults = { arn = "arn:aws:logs:eu-west-1:000000000000:log-group:mocked" }
}

mock_resource "aws_lambda_function" {
  defaults = { arn = "arn:aws:lambda:eu-west-1:000000000000:function:mocked" }
}

mock_resource "aws_cloudwatch_event_rule" {
  defaults = { arn = "arn:aws:events:eu-west-1:000000000000:rule/mocked" }
}

mock_resource "aws_eks_cluster" {
  defaults = {
    arn = "arn:aws:eks:eu-west-1:000000000000:cluster/mocked"
    vpc_config = {
      cluster_security_group_id = "sg-00000000000000000"
      vpc_id                    = "vpc-00000000000000000"
    }
    certificate_authority = [{ data = "bW9ja2Vk" }]
  }
}

mock_resource "aws_db_instance" {
  defaults = {
    arn = "arn:aws:rds:eu-west-1:000000000000:db:mocked"
    master_user_secret = [{
      kms_key_id    = "arn:aws:kms:eu-west-1:000000000000:key/00000000-0000-0000-0000-000000000000"
      secret_arn    = "arn:aws:secretsmanager:eu-west-1:000000000000:secret:mocked-AbCdEf"
      secret_status = "active"
    }]
  }
}

mock_resource "aws_launch_template" {
  defaults = { id = "lt-00000000000000000" }
}

mock_resource "aws_ecr_repository" {
  defaults = { arn = "arn:aws:ecr:eu-west-1:000000000000:repository/mocked" }
}

mock_resource "aws_sns_topic" {
  defaults = { arn = "arn:aws:sns:eu-west-1:000000000000:mocked" }
}
