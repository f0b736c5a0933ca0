# Where the tf-dedup refactor moved what an environment had already created: the keys into
# modules/kms-key, the roles into modules/iam-role, the backup alarms into one for_each. With
# these an apply of an existing environment only moves state entries; it destroys and creates
# nothing. They are said here, for all the modules this module calls, so that one list is read
# (and, once every environment has been applied with it, deleted) in one place.

# this module

moved {
  from = aws_kms_key.logs
  to   = module.logs_key.aws_kms_key.this
}

moved {
  from = aws_kms_alias.logs
  to   = module.logs_key.aws_kms_alias.this[0]
}

# modules/network

moved {
  from = module.network.aws_iam_role.flow_logs
  to   = module.network.module.flow_logs_role.aws_iam_role.this
}

moved {
  from = module.network.aws_iam_role_policy.flow_logs
  to   = module.network.module.flow_logs_role.aws_iam_role_policy.this["write-flow-logs"]
}

# modules/cluster

moved {
  from = module.cluster[0].aws_kms_key.secrets
  to   = module.cluster[0].module.secrets_key.aws_kms_key.this
}

moved {
  from = module.cluster[0].aws_kms_alias.secrets
  to   = module.cluster[0].module.secrets_key.aws_kms_alias.this[0]
}

moved {
  from = module.cluster[0].aws_iam_role.cluster
  to   = module.cluster[0].module.cluster_role.aws_iam_role.this
}

moved {
  from = module.cluster[0].aws_iam_role_policy_attachment.cluster
  to   = module.cluster[0].module.cluster_role.aws_iam_role_policy_attachment.this["AmazonEKSClusterPolicy"]
}

moved {
  from = module.cluster[0].aws_iam_role.node
  to   = module.cluster[0].module.node_role.aws_iam_role.this
}

moved {
  from = module.cluster[0].aws_iam_role_policy_attachment.node["AmazonEKSWorkerNodePolicy"]
  to   = module.cluster[0].module.node_role.aws_iam_role_policy_attachment.this["AmazonEKSWorkerNodePolicy"]
}

moved {
  from = module.cluster[0].aws_iam_role_policy_attachment.node["AmazonEKS_CNI_Policy"]
  to   = module.cluster[0].module.node_role.aws_iam_role_policy_attachment.this["AmazonEKS_CNI_Policy"]
}

moved {
  from = module.cluster[0].aws_iam_role_policy_attachment.node["AmazonEC2ContainerRegistryReadOnly"]
  to   = module.cluster[0].module.node_role.aws_iam_role_policy_attachment.this["AmazonEC2ContainerRegistryReadOnly"]
}

# modules/database

moved {
  from = module.database.aws_kms_key.this
  to   = module.database.module.key.aws_kms_key.this
}

moved {
  from = module.database.aws_kms_alias.this
  to   = module.database.module.key.aws_kms_alias.this[0]
}

moved {
  from = module.database.aws_iam_role.monitoring[0]
  to   = module.database.module.monitoring_role[0].aws_iam_role.this
}

moved {
  from = module.database.aws_iam_role_policy_attachment.monitoring[0]
  to   = module.database.module.monitoring_role[0].aws_iam_role_policy_attachment.this["AmazonRDSEnhancedMonitoringRole"]
}

# modules/registry

moved {
  from = module.registry.aws_kms_key.registry
  to   = module.registry.module.key.aws_kms_key.this
}

# modules/identities

moved {
  from = module.identities.aws_iam_role.autoscaler
  to   = module.identities.module.role["autoscaler"].aws_iam_role.this
}

moved {
  from = module.identities.aws_iam_role_policy.autoscaler
  to   = module.identities.module.role["autoscaler"].aws_iam_role_policy.this["read-cloudwatch-metrics"]
}

moved {
  from = module.identities.aws_iam_role.app
  to   = module.identities.module.role["app"].aws_iam_role.this
}

moved {
  from = module.identities.aws_iam_role_policy.app
  to   = module.identities.module.role["app"].aws_iam_role_policy.this["read-database-secret"]
}

moved {
  from = module.identities.aws_iam_role.cluster_autoscaler
  to   = module.identities.module.role["cluster_autoscaler"].aws_iam_role.this
}

moved {
  from = module.identities.aws_iam_role_policy.cluster_autoscaler
  to   = module.identities.module.role["cluster_autoscaler"].aws_iam_role_policy.this["scale-node-groups"]
}

moved {
  from = module.identities.aws_iam_role.lb_controller
  to   = module.identities.module.role["lb_controller"].aws_iam_role.this
}

moved {
  from = module.identities.aws_iam_role_policy_attachment.lb_controller
  to   = module.identities.module.role["lb_controller"].aws_iam_role_policy_attachment.this["lb_controller"]
}

# modules/backup

moved {
  from = module.backup.aws_kms_key.backup
  to   = module.backup.module.key.aws_kms_key.this
}

moved {
  from = module.backup.aws_kms_alias.backup
  to   = module.backup.module.key.aws_kms_alias.this[0]
}

moved {
  from = module.backup.aws_iam_role.export
  to   = module.backup.module.export_role.aws_iam_role.this
}

moved {
  from = module.backup.aws_iam_role_policy.export
  to   = module.backup.module.export_role.aws_iam_role_policy.this["write-exports"]
}

moved {
  from = module.backup.aws_iam_role.lambda
  to   = module.backup.module.lambda_role.aws_iam_role.this
}

moved {
  from = module.backup.aws_iam_role_policy.lambda
  to   = module.backup.module.lambda_role.aws_iam_role_policy.this["keep-export-prune-snapshots"]
}

moved {
  from = module.backup.aws_cloudwatch_metric_alarm.errors
  to   = module.backup.aws_cloudwatch_metric_alarm.this["errors"]
}

moved {
  from = module.backup.aws_cloudwatch_metric_alarm.not_run
  to   = module.backup.aws_cloudwatch_metric_alarm.this["not_run"]
}

moved {
  from = module.backup.aws_cloudwatch_metric_alarm.dead_letters
  to   = module.backup.aws_cloudwatch_metric_alarm.this["dead_letters"]
}
