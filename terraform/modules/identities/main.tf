# Workload identities through EKS Pod Identity: each service account gets exactly one role, and
# each role exactly what its workload calls.

module "aws" {
  source = "../account"
}

locals {
  # Workload => the service account its role is bound to and the role's name. Every role trusts
  # EKS Pod Identity only; what each may do is in local.inline_policies and managed_policies.
  workloads = {
    autoscaler         = { namespace = var.app_namespace, service_account = var.autoscaler_service_account, role_name = "${var.name}-autoscaler" }
    app                = { namespace = var.app_namespace, service_account = var.app_service_account, role_name = "${var.name}-app" }
    lb_controller      = { namespace = var.lb_controller_namespace, service_account = var.lb_controller_service_account, role_name = "${var.name}-aws-load-balancer-controller" }
    cluster_autoscaler = { namespace = var.cluster_autoscaler_namespace, service_account = var.cluster_autoscaler_service_account, role_name = "${var.name}-cluster-autoscaler" }
  }

  # AWS Load Balancer Controller: the upstream policy below, attached.
  managed_policies = {
    lb_controller = { lb_controller = aws_iam_policy.lb_controller.arn }
  }

  # Workload => policy name => document.
  inline_policies = {
    # notejam-autoscaler: reads CloudWatch metrics (GetMetricData) and nothing else of AWS.
    autoscaler = { "read-cloudwatch-metrics" = jsonencode({
      Version = "2012-10-17"
      Statement = [{
        Effect = "Allow"
        Action = "cloudwatch:GetMetricData"
        # GetMetricData has no resource-level permissions.
        Resource = "*"
      }]
    }) }

    # The notejam app: reads its database secret.
    app = { "read-database-secret" = jsonencode({
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
    }) }

    # Kubernetes Cluster Autoscaler: resizes the cluster's managed node group between its min and
    # max. The policy of the upstream README (kubernetes/autoscaler,
    # cluster-autoscaler/cloudprovider/aws/README.md): read-only Describe calls, which have no
    # resource-level permissions, and the two write calls only on Auto Scaling groups that EKS
    # tagged as this cluster's node groups.
    cluster_autoscaler = { "scale-node-groups" = jsonencode({
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
          Resource = "arn:${module.aws.partition}:eks:${module.aws.region}:${module.aws.account_id}:nodegroup/${var.cluster_name}/*/*"
        },
        {
          Sid    = "ResizeThisClustersNodeGroups"
          Effect = "Allow"
          Action = [
            "autoscaling:SetDesiredCapacity",
            "autoscaling:TerminateInstanceInAutoScalingGroup",
          ]
          # Group ARNs contain a random id, so the groups are chosen by the tag EKS puts on the
          # Auto Scaling group of every managed node group of the cluster.
          Resource = "*"
          Condition = {
            StringEquals = { "aws:ResourceTag/eks:cluster-name" = var.cluster_name }
          }
        },
      ]
    }) }
  }
}

# The AWS Load Balancer Controller's policy: the upstream one (kubernetes-sigs/aws-load-balancer-controller,
# docs/install/iam_policy.json), scoped by its own elbv2.k8s.aws/cluster tag conditions.
resource "aws_iam_policy" "lb_controller" {
  #checkov:skip=CKV_AWS_290:The upstream policy, verbatim so that an upgrade is a diff: its write actions on * are scoped by tag conditions, which this check does not read.
  #checkov:skip=CKV_AWS_355:The upstream policy, verbatim: its Describe/Get calls and tag-conditioned writes on * are what the controller needs to find and manage its load balancers.
  name        = "${var.name}-aws-load-balancer-controller"
  description = "AWS Load Balancer Controller of ${var.cluster_name}"
  policy      = file("${path.module}/lb-controller-policy.json")
  tags        = var.tags
}

module "role" {
  source   = "../iam-role"
  for_each = local.workloads

  name                = each.value.role_name
  trusted_service     = "pods.eks.amazonaws.com"
  trust_actions       = ["sts:AssumeRole", "sts:TagSession"]
  inline_policies     = lookup(local.inline_policies, each.key, {})
  managed_policy_arns = lookup(local.managed_policies, each.key, {})
  tags                = var.tags
}

resource "aws_eks_pod_identity_association" "this" {
  for_each = var.create_pod_identity_associations ? local.workloads : {}

  cluster_name    = var.cluster_name
  namespace       = each.value.namespace
  service_account = each.value.service_account
  role_arn        = module.role[each.key].arn
  tags            = var.tags
}
