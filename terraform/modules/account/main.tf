# Where terraform runs: the partition, account and region of the provider, which every ARN and
# service principal that a module writes out is built from (no account id is ever committed).

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}
