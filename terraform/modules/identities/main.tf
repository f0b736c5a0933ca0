# Workload identities through EKS Pod Identity: each service account gets exactly one role, and
# each role exactly what its workload calls.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  account_id = data.aws_caller_identity.current.account_id

  pod_identity_trust = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "pods.eks.amazonaws.com" }
      Action    = ["sts:AssumeRole", "sts:TagSession"]
    }]
  })
}

# --- notejam-autoscaler: reads CloudWatch metrics (GetMetricData) and nothing else of AWS. ---
resource "aws_iam_role" "autoscaler" {
  name               = "${var.name}-autoscaler"
  assume_role_policy = local.pod_identity_trust
  tags               = var.tags
}

resource "aws_iam_role_policy" "autoscaler" {
  name = "read-cloudwatch-metrics"
  role = aws_iam_role.autoscaler.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect = "Allow"
      Action = "cloudwatch:GetMetricData"
      # GetMetricData has no resource-level permissions.
      Resource = "*"
    }]
  })
}

# --- notejam app: reads its database secret. ---
resource "aws_iam_role" "app" {
  name               = "${var.name}-app"
  assume_role_policy = local.pod_identity_trust
  tags               = var.tags
}

resource "aws_iam_role_policy" "app" {
  name = "read-database-secret"
  role = aws_iam_role.app.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = "secretsmanager:GetSecretValue"
        Resource = var.db_secret_arn
      },
      {
        Effect    = "Allow"
        Action    = "kms:Decrypt"
        Resource  = var.db_secret_kms_key_arn
        Condition = { StringLike = { "kms:ViaService" = "secretsmanager.*.amazonaws.com" } }
      },
    ]
  })
}

# --- AWS Load Balancer Controller: the upstream policy (kubernetes-sigs/aws-load-balancer-controller,
#     docs/install/iam_policy.json), scoped by its own elbv2.k8s.aws/cluster tag conditions. ---
resource "aws_iam_policy" "lb_controller" {
  name        = "${var.name}-aws-load-balancer-controller"
  description = "AWS Load Balancer Controller of ${var.cluster_name}"
  policy      = file("${path.module}/lb-controller-policy.json")
  tags        = var.tags
}

resource "aws_iam_role" "lb_controller" {
  name               = "${var.name}-aws-load-balancer-controller"
  assume_role_policy = local.pod_identity_trust
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "lb_controller" {
  role       = aws_iam_role.lb_controller.name
  policy_arn = aws_iam_policy.lb_controller.arn
}

# --- Kubernetes Cluster Autoscaler: resizes the cluster's managed node group between its min and
#     max. The policy of the upstream README (kubernetes/autoscaler,
#     cluster-autoscaler/cloudprovider/aws/README.md): read-only Describe calls, which have no
#     resource-level permissions, and the two write calls only on Auto Scaling groups that EKS
#     tagged as this cluster's node groups. ---
resource "aws_iam_role" "cluster_autoscaler" {
  name               = "${var.name}-cluster-autoscaler"
  assume_role_policy = local.pod_identity_trust
  tags               = var.tags
}

resource "aws_iam_role_policy" "cluster_autoscaler" {
  name = "scale-node-groups"
  role = aws_iam_role.cluster_autoscaler.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "DescribeNodeGroups"
        Effect = "Allow"
        Action = [
          "autoscaling:DescribeAutoScalingGroups",
          "autoscaling:DescribeAutoScalingInstances",
          "autoscaling:DescribeLaunchConfigurations",
          "autoscaling:DescribeScalingActivities",
          "ec2:DescribeImages",
          "ec2:DescribeInstanceTypes",
          "ec2:DescribeLaunchTemplateVersions",
          "ec2:GetInstanceTypesFromInstanceRequirements",
        ]
        # These calls have no resource-level permissions.
        Resource = "*"
      },
      {
        Sid      = "DescribeThisClustersNodeGroups"
        Effect   = "Allow"
        Action   = "eks:DescribeNodegroup"
        Resource = "arn:${local.partition}:eks:${local.region}:${local.account_id}:nodegroup/${var.cluster_name}/*/*"
      },
      {
        Sid    = "ResizeThisClustersNodeGroups"
        Effect = "Allow"
        Action = [
          "autoscaling:SetDesiredCapacity",
          "autoscaling:TerminateInstanceInAutoScalingGroup",
        ]
        # Group ARNs contain a random id, so the groups are chosen by the tag EKS puts on the Auto
        # Scaling group of every managed node group of the cluster.
        Resource = "*"
        Condition = {
          StringEquals = { "aws:ResourceTag/eks:cluster-name" = var.cluster_name }
        }
      },
    ]
  })
}

locals {
  associations = {
    autoscaler    = { namespace = var.app_namespace, service_account = var.autoscaler_service_account, role_arn = aws_iam_role.autoscaler.arn }
    app           = { namespace = var.app_namespace, service_account = var.app_service_account, role_arn = aws_iam_role.app.arn }
    lb_controller = { namespace = var.lb_controller_namespace, service_account = var.lb_controller_service_account, role_arn = aws_iam_role.lb_controller.arn }
    cluster_autoscaler = {
      namespace       = var.cluster_autoscaler_namespace
      service_account = var.cluster_autoscaler_service_account
      role_arn        = aws_iam_role.cluster_autoscaler.arn
    }
  }
}

resource "aws_eks_pod_identity_association" "this" {
  for_each = var.create_pod_identity_associations ? local.associations : {}

  cluster_name    = var.cluster_name
  namespace       = each.value.namespace
  service_account = each.value.service_account
  role_arn        = each.value.role_arn
  tags            = var.tags
}
