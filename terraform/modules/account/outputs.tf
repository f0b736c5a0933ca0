output "partition" {
  description = "The partition, e.g. aws (the arn:<partition>: of an ARN)."
  value       = data.aws_partition.current.partition
}

output "dns_suffix" {
  description = "The partition's DNS suffix, e.g. amazonaws.com."
  value       = data.aws_partition.current.dns_suffix
}

output "account_id" {
  description = "The account of the provider's credentials."
  value       = data.aws_caller_identity.current.account_id
}

output "region" {
  description = "The provider's region, e.g. eu-west-1."
  value       = data.aws_region.current.name
}
