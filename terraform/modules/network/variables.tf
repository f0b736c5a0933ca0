variable "name" {
  description = "Name prefix of every network resource, e.g. notejam-prod."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name must be 3-31 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "cluster_name" {
  description = "EKS cluster that uses this VPC; subnets are tagged with it for the AWS Load Balancer Controller."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,99}$", var.cluster_name))
    error_message = "cluster_name must be 3-100 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "vpc_cidr" {
  description = "IPv4 CIDR of the VPC, a /16 to /20."
  type        = string

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && tonumber(split("/", var.vpc_cidr)[1]) >= 16 && tonumber(split("/", var.vpc_cidr)[1]) <= 20
    error_message = "vpc_cidr must be a valid IPv4 CIDR between /16 and /20, e.g. 10.10.0.0/16."
  }
}

variable "availability_zones" {
  description = "Exactly three availability zones of the region, one subnet pair in each."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) == 3 && length(distinct(var.availability_zones)) == 3
    error_message = "availability_zones must list exactly three distinct zones."
  }
}

variable "public_subnet_cidrs" {
  description = "CIDRs of the public subnets (load balancers, NAT gateways), one per availability zone, inside vpc_cidr."
  type        = list(string)

  validation {
    condition     = length(var.public_subnet_cidrs) == 3 && alltrue([for c in var.public_subnet_cidrs : can(cidrhost(c, 0))])
    error_message = "public_subnet_cidrs must be three valid IPv4 CIDRs."
  }
}

variable "private_subnet_cidrs" {
  description = "CIDRs of the private subnets (worker nodes, database), one per availability zone, inside vpc_cidr."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_cidrs) == 3 && alltrue([for c in var.private_subnet_cidrs : can(cidrhost(c, 0))])
    error_message = "private_subnet_cidrs must be three valid IPv4 CIDRs."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all zones (cheaper, dev) instead of one per zone (zone-failure tolerant, prod)."
  type        = bool
}

variable "flow_log_retention_days" {
  description = "Days the VPC flow logs are kept in CloudWatch Logs."
  type        = number

  validation {
    condition     = contains([30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_days)
    error_message = "flow_log_retention_days must be a CloudWatch Logs retention value of at least 30 (30, 60, 90, ..., 365, 400, 545, 731, 1096, ...)."
  }
}

variable "logs_kms_key_arn" {
  description = "KMS key that encrypts the flow-log group."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.logs_kms_key_arn))
    error_message = "logs_kms_key_arn must be a KMS key ARN."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
