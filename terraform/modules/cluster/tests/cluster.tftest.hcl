mock_provider "aws" {
  source = "../../testing/aws-mocks"
}

variables {
  name                   = "notejam-test"
  kubernetes_version     = "1.33"
  subnet_ids             = ["subnet-0000000000000000a", "subnet-0000000000000000b", "subnet-0000000000000000c"]
  endpoint_public_access = false
  node_instance_types    = ["m6i.large"]
  node_min_size          = 3
  node_desired_size      = 3
  node_max_size          = 12
  log_retention_days     = 365
  logs_kms_key_arn       = "arn:aws:kms:eu-west-1:000000000000:key/logs"
}

run "secrets_logs_and_disks_are_encrypted" {
  command = apply

  assert {
    condition     = one(one(aws_eks_cluster.this.encryption_config).provider).key_arn == module.secrets_key.arn
    error_message = "Kubernetes Secrets must be encrypted with the cluster's KMS key."
  }
  assert {
    condition     = aws_cloudwatch_log_group.control_plane.kms_key_id == "arn:aws:kms:eu-west-1:000000000000:key/logs" && length(aws_eks_cluster.this.enabled_cluster_log_types) == 5
    error_message = "All control-plane logs must be on, into an encrypted log group."
  }
  assert {
    condition     = one(one(aws_launch_template.node.block_device_mappings).ebs).encrypted == "true"
    error_message = "Node volumes must be encrypted."
  }
}

run "nodes_are_private_and_hardened" {
  command = apply

  assert {
    condition     = one(aws_launch_template.node.metadata_options).http_tokens == "required" && one(aws_launch_template.node.metadata_options).http_put_response_hop_limit == 1
    error_message = "Nodes must require IMDSv2 with a hop limit of 1, so pods cannot take the node's credentials."
  }
  assert {
    condition     = !one(aws_eks_cluster.this.vpc_config).endpoint_public_access
    error_message = "The API endpoint must be private when asked."
  }
  assert {
    condition     = contains(keys(aws_eks_addon.this), "eks-pod-identity-agent")
    error_message = "The Pod Identity agent add-on must be installed."
  }
}

run "vpc_cni_enforces_network_policies" {
  command = apply

  assert {
    condition     = jsondecode(aws_eks_addon.this["vpc-cni"].configuration_values).enableNetworkPolicy == "true"
    error_message = "The VPC CNI add-on must run its network policy agent (enableNetworkPolicy = \"true\"), or the NetworkPolicies in k8s/ are not enforced."
  }
}

run "deploy_role_gets_an_access_entry" {
  command = apply

  variables {
    access_entries = {
      circleci_deploy = {
        principal_arn = "arn:aws:iam::000000000000:role/circleci-notejam-test-deploy"
        policy        = "AmazonEKSClusterAdminPolicy"
      }
    }
  }

  assert {
    condition     = aws_eks_access_entry.this["circleci_deploy"].principal_arn == "arn:aws:iam::000000000000:role/circleci-notejam-test-deploy" && aws_eks_access_entry.this["circleci_deploy"].type == "STANDARD"
    error_message = "The deploy role needs an access entry (the cluster authenticates through access entries only)."
  }
  assert {
    condition     = aws_eks_access_policy_association.this["circleci_deploy"].policy_arn == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" && one(aws_eks_access_policy_association.this["circleci_deploy"].access_scope).type == "cluster"
    error_message = "The deploy role's access policy must be associated at the asked scope."
  }
}

# Wrong inputs fail at plan, each on its own variable: the run fails if any one is accepted.
run "rejects_wrong_inputs" {
  command = plan

  variables {
    # Without the VPC CNI (the pod network and the NetworkPolicy agent).
    addons = { "coredns" = null, "kube-proxy" = null, "eks-pod-identity-agent" = null }
    # A public endpoint open to the whole internet.
    endpoint_public_access = true
    public_access_cidrs    = ["0.0.0.0/0"]
    # Cluster admin is cluster-wide: no namespaces.
    access_entries = {
      ci = {
        principal_arn = "arn:aws:iam::000000000000:role/ci"
        policy        = "AmazonEKSClusterAdminPolicy"
        namespaces    = ["notejam"]
      }
    }
  }

  expect_failures = [var.addons, var.public_access_cidrs, var.access_entries]
}
