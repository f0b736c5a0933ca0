variable "name" {
  description = "EKS cluster name, e.g. notejam-prod."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,99}$", var.name))
    error_message = "name must be 3-100 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "kubernetes_version" {
  description = "Kubernetes minor version of the control plane and nodes, e.g. 1.33."
  type        = string

  validation {
    condition     = can(regex("^1\\.(2[89]|3[0-9])$", var.kubernetes_version))
    error_message = "kubernetes_version must be a supported minor version between 1.28 and 1.39, e.g. 1.33."
  }
}

variable "subnet_ids" {
  description = "Private subnets for the control-plane interfaces and the worker nodes (one per zone)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids must name at least two subnets in different zones (EKS requires it)."
  }
}

variable "endpoint_public_access" {
  description = "Whether the Kubernetes API is reachable from the internet (restricted to public_access_cidrs). The private endpoint is always on."
  type        = bool
}

variable "public_access_cidrs" {
  description = "CIDRs allowed to reach the public API endpoint (CI runners, operators). Ignored when endpoint_public_access is false."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.public_access_cidrs : can(cidrhost(c, 0)) && c != "0.0.0.0/0"])
    error_message = "public_access_cidrs must be valid IPv4 CIDRs and must not be 0.0.0.0/0."
  }
}

variable "node_instance_types" {
  description = "EC2 instance types of the managed node group, in order of preference."
  type        = list(string)

  validation {
    condition     = length(var.node_instance_types) > 0 && alltrue([for t in var.node_instance_types : can(regex("^[a-z][a-z0-9-]*\\.[a-z0-9]+$", t))])
    error_message = "node_instance_types must list EC2 instance types such as t3.large or m6i.large."
  }
}

variable "node_capacity_type" {
  description = "ON_DEMAND or SPOT capacity for the node group."
  type        = string
  default     = "ON_DEMAND"

  validation {
    condition     = contains(["ON_DEMAND", "SPOT"], var.node_capacity_type)
    error_message = "node_capacity_type must be ON_DEMAND or SPOT."
  }
}

variable "node_min_size" {
  description = "Minimum number of worker nodes."
  type        = number

  validation {
    condition     = var.node_min_size >= 1 && var.node_min_size <= 100 && floor(var.node_min_size) == var.node_min_size
    error_message = "node_min_size must be a whole number between 1 and 100."
  }
}

variable "node_desired_size" {
  description = "Worker nodes at creation; later changes by the cluster autoscaler are not reverted."
  type        = number

  validation {
    condition     = var.node_desired_size >= 1 && var.node_desired_size <= 100 && floor(var.node_desired_size) == var.node_desired_size
    error_message = "node_desired_size must be a whole number between 1 and 100."
  }
}

variable "node_max_size" {
  description = "Maximum number of worker nodes."
  type        = number

  validation {
    condition     = var.node_max_size >= 1 && var.node_max_size <= 100 && floor(var.node_max_size) == var.node_max_size
    error_message = "node_max_size must be a whole number between 1 and 100."
  }
}

variable "node_disk_size_gb" {
  description = "Root volume size of each worker node, GiB."
  type        = number
  default     = 50

  validation {
    condition     = var.node_disk_size_gb >= 20 && var.node_disk_size_gb <= 1000
    error_message = "node_disk_size_gb must be between 20 and 1000."
  }
}

variable "log_retention_days" {
  description = "Days the control-plane logs are kept."
  type        = number

  validation {
    condition     = contains([30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch Logs retention value between 30 and 1096."
  }
}

variable "logs_kms_key_arn" {
  description = "KMS key that encrypts the control-plane log group."
  type        = string
}

variable "addons" {
  description = "EKS add-ons to install, name => version (null: the default version for the cluster's Kubernetes)."
  type        = map(string)
  default = {
    "vpc-cni"                = null
    "coredns"                = null
    "kube-proxy"             = null
    "eks-pod-identity-agent" = null
  }

  validation {
    condition     = contains(keys(var.addons), "eks-pod-identity-agent")
    error_message = "addons must include eks-pod-identity-agent: the workload identities use EKS Pod Identity."
  }
  validation {
    condition     = contains(keys(var.addons), "vpc-cni")
    error_message = "addons must include vpc-cni: it is the pod network and, with its network policy agent (turned on by this module), what enforces the NetworkPolicies in k8s/."
  }
}

variable "create_addons" {
  description = "Install the add-ons. False only for the AWS emulator run, which does not implement them."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "access_entries" {
  description = "IAM roles given access to the Kubernetes API: key => principal_arn, EKS access policy name (e.g. AmazonEKSClusterAdminPolicy) and namespaces (empty: the whole cluster)."
  type = map(object({
    principal_arn = string
    policy        = string
    namespaces    = optional(list(string), [])
  }))
  default = {}

  validation {
    condition     = alltrue([for e in values(var.access_entries) : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", e.principal_arn))])
    error_message = "access_entries: principal_arn must be an IAM role ARN."
  }
  validation {
    condition     = alltrue([for e in values(var.access_entries) : contains(["AmazonEKSClusterAdminPolicy", "AmazonEKSAdminPolicy", "AmazonEKSEditPolicy", "AmazonEKSViewPolicy"], e.policy)])
    error_message = "access_entries: policy must be AmazonEKSClusterAdminPolicy, AmazonEKSAdminPolicy, AmazonEKSEditPolicy or AmazonEKSViewPolicy."
  }
  validation {
    condition     = alltrue([for e in values(var.access_entries) : e.policy != "AmazonEKSClusterAdminPolicy" || length(e.namespaces) == 0])
    error_message = "access_entries: AmazonEKSClusterAdminPolicy is cluster-wide; give it no namespaces."
  }
  validation {
    condition     = alltrue(flatten([for e in values(var.access_entries) : [for n in e.namespaces : can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", n))]]))
    error_message = "access_entries: namespaces must be Kubernetes namespace names."
  }
}
