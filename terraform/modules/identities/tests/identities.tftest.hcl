# Least privilege of the workload roles, read back from the policies terraform would send: each
# role holds exactly the calls its workload makes, and each role is bound to exactly one service
# account through EKS Pod Identity. Nothing real is created (mock_provider).

mock_provider "aws" {
  source = "../../testing/aws-mocks"
}

# The shared mock gives every role the same ARN; distinct ones show which role each service
# account is bound to.
override_resource {
  target = module.role["autoscaler"].aws_iam_role.this
  values = { arn = "arn:aws:iam::000000000000:role/notejam-test-autoscaler" }
}

override_resource {
  target = module.role["app"].aws_iam_role.this
  values = { arn = "arn:aws:iam::000000000000:role/notejam-test-app" }
}

override_resource {
  target = module.role["lb_controller"].aws_iam_role.this
  values = { arn = "arn:aws:iam::000000000000:role/notejam-test-aws-load-balancer-controller" }
}

override_resource {
  target = module.role["cluster_autoscaler"].aws_iam_role.this
  values = { arn = "arn:aws:iam::000000000000:role/notejam-test-cluster-autoscaler" }
}

variables {
  name                  = "notejam-test"
  cluster_name          = "notejam-test"
  db_secret_arn         = "arn:aws:secretsmanager:eu-west-1:000000000000:secret:rds!db-00000000-AbCdEf"
  db_secret_kms_key_arn = "arn:aws:kms:eu-west-1:000000000000:key/11111111-1111-1111-1111-111111111111"
}

run "notejam_autoscaler_reads_cloudwatch_metrics_and_nothing_else" {
  command = apply

  assert {
    condition = toset(flatten([
      for s in jsondecode(module.role["autoscaler"].inline_policies["read-cloudwatch-metrics"].policy).Statement : s.Action
    ])) == toset(["cloudwatch:GetMetricData"])
    error_message = "The notejam-autoscaler role may call cloudwatch:GetMetricData and nothing else."
  }
  assert {
    condition     = alltrue([for s in jsondecode(module.role["autoscaler"].inline_policies["read-cloudwatch-metrics"].policy).Statement : s.Effect == "Allow" && !can(s.NotAction) && !can(s.NotResource)])
    error_message = "The notejam-autoscaler policy must be plain Allow statements (no NotAction / NotResource, which grant everything else)."
  }
  assert {
    condition     = module.role["autoscaler"].inline_policies["read-cloudwatch-metrics"].role == module.role["autoscaler"].id
    error_message = "The policy must be attached to the notejam-autoscaler role."
  }
}

run "app_reads_its_one_database_secret_only" {
  command = apply

  assert {
    condition = toset(flatten([
      for s in jsondecode(module.role["app"].inline_policies["read-database-secret"].policy).Statement : s.Action
    ])) == toset(["secretsmanager:GetSecretValue", "kms:Decrypt"])
    error_message = "The app role may read a secret value and decrypt it, nothing else."
  }
  assert {
    condition = alltrue([
      for s in jsondecode(module.role["app"].inline_policies["read-database-secret"].policy).Statement :
      s.Resource == "arn:aws:secretsmanager:eu-west-1:000000000000:secret:rds!db-00000000-AbCdEf"
      if contains(flatten([s.Action]), "secretsmanager:GetSecretValue")
    ])
    error_message = "secretsmanager:GetSecretValue must be granted on the database secret's ARN only."
  }
  assert {
    condition = alltrue([
      for s in jsondecode(module.role["app"].inline_policies["read-database-secret"].policy).Statement :
      s.Resource == "arn:aws:kms:eu-west-1:000000000000:key/11111111-1111-1111-1111-111111111111" &&
      try(s.Condition.StringLike["kms:ViaService"], "") == "secretsmanager.*.amazonaws.com"
      if contains(flatten([s.Action]), "kms:Decrypt")
    ])
    error_message = "kms:Decrypt must be limited to the secret's key and to calls made through Secrets Manager."
  }
  assert {
    condition     = alltrue([for s in jsondecode(module.role["app"].inline_policies["read-database-secret"].policy).Statement : s.Effect == "Allow" && s.Resource != "*" && !can(s.NotAction) && !can(s.NotResource)])
    error_message = "The app policy must name its resources (no \"*\", no NotAction / NotResource)."
  }
}

run "cluster_autoscaler_resizes_only_this_clusters_node_groups" {
  command = apply

  # Everything granted without a condition must be read-only.
  assert {
    condition = alltrue(flatten([
      for s in jsondecode(module.role["cluster_autoscaler"].inline_policies["scale-node-groups"].policy).Statement : [
        for a in flatten([s.Action]) : can(regex("^[a-z0-9]+:(Describe|Get)[A-Za-z]+$", a))
      ] if !can(s.Condition)
    ]))
    error_message = "The cluster autoscaler's unconditioned statements may only hold Describe*/Get* actions."
  }
  # The write calls: exactly the two of the upstream policy, only on this cluster's node groups.
  assert {
    condition = toset(flatten([
      for s in jsondecode(module.role["cluster_autoscaler"].inline_policies["scale-node-groups"].policy).Statement : [
        for a in flatten([s.Action]) : a if !can(regex("^[a-z0-9]+:(Describe|Get)[A-Za-z]+$", a))
      ]
    ])) == toset(["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"])
    error_message = "The cluster autoscaler may write only autoscaling:SetDesiredCapacity and autoscaling:TerminateInstanceInAutoScalingGroup."
  }
  assert {
    condition = alltrue([
      for s in jsondecode(module.role["cluster_autoscaler"].inline_policies["scale-node-groups"].policy).Statement :
      try(s.Condition.StringEquals["aws:ResourceTag/eks:cluster-name"], "") == "notejam-test"
      if length([for a in flatten([s.Action]) : a if !can(regex("^[a-z0-9]+:(Describe|Get)[A-Za-z]+$", a))]) > 0
    ])
    error_message = "The cluster autoscaler's write calls must be conditioned on the Auto Scaling group's eks:cluster-name tag being this cluster."
  }
  assert {
    condition = toset(flatten([
      for s in jsondecode(module.role["cluster_autoscaler"].inline_policies["scale-node-groups"].policy).Statement : s.Action
      ])) == toset([
      "autoscaling:DescribeAutoScalingGroups",
      "autoscaling:DescribeAutoScalingInstances",
      "autoscaling:DescribeLaunchConfigurations",
      "autoscaling:DescribeScalingActivities",
      "ec2:DescribeImages",
      "ec2:DescribeInstanceTypes",
      "ec2:DescribeLaunchTemplateVersions",
      "ec2:GetInstanceTypesFromInstanceRequirements",
      "eks:DescribeNodegroup",
      "autoscaling:SetDesiredCapacity",
      "autoscaling:TerminateInstanceInAutoScalingGroup",
    ])
    error_message = "The cluster autoscaler's actions must be exactly those of the upstream policy (cluster-autoscaler/cloudprovider/aws/README.md)."
  }
  assert {
    condition = alltrue([
      for s in jsondecode(module.role["cluster_autoscaler"].inline_policies["scale-node-groups"].policy).Statement :
      s.Resource == "arn:aws:eks:eu-west-1:000000000000:nodegroup/notejam-test/*/*"
      if contains(flatten([s.Action]), "eks:DescribeNodegroup")
    ])
    error_message = "eks:DescribeNodegroup must be limited to this cluster's node groups."
  }
  assert {
    condition     = alltrue([for s in jsondecode(module.role["cluster_autoscaler"].inline_policies["scale-node-groups"].policy).Statement : s.Effect == "Allow" && !can(s.NotAction) && !can(s.NotResource)])
    error_message = "The cluster autoscaler policy must be plain Allow statements."
  }
}

run "every_role_is_for_eks_pod_identity_only" {
  command = apply

  assert {
    condition = alltrue([
      for r in module.role :
      jsondecode(r.assume_role_policy).Statement[0].Principal == { Service = "pods.eks.amazonaws.com" } &&
      toset(jsondecode(r.assume_role_policy).Statement[0].Action) == toset(["sts:AssumeRole", "sts:TagSession"]) &&
      length(jsondecode(r.assume_role_policy).Statement) == 1
    ])
    error_message = "Every workload role must trust the EKS Pod Identity service principal and nothing else."
  }
}

run "pod_identity_binds_each_service_account_to_its_role" {
  command = apply

  assert {
    condition = {
      for k, a in aws_eks_pod_identity_association.this : "${a.namespace}/${a.service_account}" => a.role_arn
      } == {
      "notejam/notejam-autoscaler"               = "arn:aws:iam::000000000000:role/notejam-test-autoscaler"
      "notejam/notejam"                          = "arn:aws:iam::000000000000:role/notejam-test-app"
      "kube-system/aws-load-balancer-controller" = "arn:aws:iam::000000000000:role/notejam-test-aws-load-balancer-controller"
      "kube-system/cluster-autoscaler"           = "arn:aws:iam::000000000000:role/notejam-test-cluster-autoscaler"
    }
    error_message = "Each service account (notejam/notejam, notejam/notejam-autoscaler, kube-system/aws-load-balancer-controller, kube-system/cluster-autoscaler) must be bound to its own role, and no other."
  }
  assert {
    condition     = alltrue([for a in aws_eks_pod_identity_association.this : a.cluster_name == "notejam-test"])
    error_message = "The associations must be made in this environment's cluster."
  }
}

run "no_associations_against_the_emulator" {
  command = apply

  variables {
    create_pod_identity_associations = false
  }

  assert {
    condition     = length(aws_eks_pod_identity_association.this) == 0
    error_message = "create_pod_identity_associations = false must leave the associations out (moto does not implement them)."
  }
}

run "rejects_a_secret_that_is_not_a_secrets_manager_arn" {
  command = plan

  variables {
    db_secret_arn = "*"
  }

  expect_failures = [var.db_secret_arn]
}
