output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr" {
  description = "IPv4 CIDR of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "public_subnet_ids" {
  description = "Public subnets, one per zone (internet-facing load balancers)."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "Private subnets, one per zone (nodes, database, internal load balancers)."
  value       = aws_subnet.private[*].id
}

output "nat_gateway_count" {
  description = "How many NAT gateways egress traffic uses (1 in dev, one per zone in prod)."
  value       = length(aws_nat_gateway.this)
}

output "flow_log_group_name" {
  description = "CloudWatch Logs group of the VPC flow logs."
  value       = aws_cloudwatch_log_group.flow_logs.name
}
