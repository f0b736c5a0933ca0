data "aws_partition" "current" {}

locals {
  partition = data.aws_partition.current.partition
}

# Envelope encryption of Kubernetes Secrets.
module "secrets_key" {
  source = "../kms-key"

  description = "${var.name} EKS secrets encryption"
  alias       = "${var.name}-eks-secrets"
  tags        = var.tags
}

resource "aws_cloudwatch_log_group" "control_plane" {
  # EKS writes to exactly this name; creating it first sets retention and encryption.
  name              = "/aws/eks/${var.name}/cluster"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.logs_kms_key_arn
  tags              = var.tags
}

module "cluster_role" {
  source = "../iam-role"

  name                = "${var.name}-eks-cluster"
  trusted_service     = "eks.amazonaws.com"
  trust_actions       = ["sts:AssumeRole", "sts:TagSession"]
  managed_policy_arns = { AmazonEKSClusterPolicy = "arn:${local.partition}:iam::aws:policy/AmazonEKSClusterPolicy" }
  tags                = var.tags
}

resource "aws_eks_cluster" "this" {
  name     = var.name
  version  = var.kubernetes_version
  role_arn = module.cluster_role.arn

  vpc_config {
    subnet_ids              = var.subnet_ids
    endpoint_private_access = true
    endpoint_public_access  = var.endpoint_public_access
    public_access_cidrs     = var.endpoint_public_access ? var.public_access_cidrs : null
  }

  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = module.secrets_key.arn
    }
  }

  enabled_cluster_log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]

  access_config {
    authentication_mode                         = "API"
    bootstrap_cluster_creator_admin_permissions = true
  }

  tags = var.tags

  depends_on = [
    module.cluster_role,
    aws_cloudwatch_log_group.control_plane,
  ]
}

module "node_role" {
  source = "../iam-role"

  name            = "${var.name}-eks-node"
  trusted_service = "ec2.amazonaws.com"
  managed_policy_arns = {
    for p in ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"] :
    p => "arn:${local.partition}:iam::aws:policy/${p}"
  }
  tags = var.tags
}

resource "aws_launch_template" "node" {
  name_prefix            = "${var.name}-node-"
  update_default_version = true

  # IMDSv2 only, one hop: pods cannot reach the node's credentials. Workloads get their own
  # through EKS Pod Identity instead.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size           = var.node_disk_size_gb
      volume_type           = "gp3"
      encrypted             = true
      delete_on_termination = true
    }
  }

  tag_specifications {
    resource_type = "instance"
    tags          = merge(var.tags, { Name = "${var.name}-node" })
  }

  tags = var.tags
}

resource "aws_eks_node_group" "default" {
  cluster_name    = aws_eks_cluster.this.name
  node_group_name = "${var.name}-default"
  node_role_arn   = module.node_role.arn
  subnet_ids      = var.subnet_ids
  instance_types  = var.node_instance_types
  capacity_type   = var.node_capacity_type

  scaling_config {
    min_size     = var.node_min_size
    desired_size = var.node_desired_size
    max_size     = var.node_max_size
  }

  update_config {
    max_unavailable = 1
  }

  launch_template {
    id      = aws_launch_template.node.id
    version = aws_launch_template.node.latest_version
  }

  tags = var.tags

  lifecycle {
    # The Kubernetes Cluster Autoscaler owns the running size after creation, between min and max
    # (its Pod Identity role is in modules/identities; the chart is installed per cluster outside
    # this repository, see docs/operations.md).
    ignore_changes = [scaling_config[0].desired_size]

    precondition {
      condition     = var.node_min_size <= var.node_desired_size && var.node_desired_size <= var.node_max_size
      error_message = "Node group sizes must satisfy node_min_size <= node_desired_size <= node_max_size."
    }
  }

  depends_on = [module.node_role]
}

locals {
  # Add-on settings this platform depends on, by add-on name. The VPC CNI enforces Kubernetes
  # NetworkPolicies only with its network policy agent on: without it the policies in k8s/ are
  # accepted by the API server and silently not enforced (docs/operations.md).
  addon_configuration = {
    "vpc-cni" = { enableNetworkPolicy = "true" }
  }
}

resource "aws_eks_addon" "this" {
  for_each = var.create_addons ? var.addons : {}

  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = each.key
  addon_version               = each.value
  configuration_values        = contains(keys(local.addon_configuration), each.key) ? jsonencode(local.addon_configuration[each.key]) : null
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "PRESERVE"
  tags                        = var.tags

  # CoreDNS needs nodes to become ACTIVE.
  depends_on = [aws_eks_node_group.default]
}

# IAM principals that may use the Kubernetes API (authentication_mode = "API": access entries,
# no aws-auth ConfigMap), each with one EKS access policy, cluster-wide or in some namespaces.
resource "aws_eks_access_entry" "this" {
  for_each = var.access_entries

  cluster_name  = aws_eks_cluster.this.name
  principal_arn = each.value.principal_arn
  type          = "STANDARD"
  tags          = var.tags
}

resource "aws_eks_access_policy_association" "this" {
  for_each = var.access_entries

  cluster_name  = aws_eks_cluster.this.name
  principal_arn = aws_eks_access_entry.this[each.key].principal_arn
  policy_arn    = "arn:${local.partition}:eks::aws:cluster-access-policy/${each.value.policy}"

  access_scope {
    type       = length(each.value.namespaces) == 0 ? "cluster" : "namespace"
    namespaces = length(each.value.namespaces) == 0 ? null : each.value.namespaces
  }
}
