# CircleCI's way into AWS: the account's OIDC provider for the CircleCI organization, the build
# role (ECR push, context notejam-build) and one environment's deploy role (terraform plan/apply
# and the EKS deploy and load-test gate jobs, context notejam-<env>). The EKS access entry of the
# deploy role lives with the cluster (modules/cluster, wired in modules/environment).

module "aws" {
  source = "../account"
}

locals {
  issuer = "oidc.circleci.com/org/${var.org_id}"

  oidc_provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.circleci[0].arn : "arn:${module.aws.partition}:iam::${module.aws.account_id}:oidc-provider/${local.issuer}"

  # sub of $CIRCLE_OIDC_TOKEN is org/<org>/project/<project>/user/<user>; $CIRCLE_OIDC_TOKEN_V2
  # (what the pipeline uses) appends /vcs-origin/<origin>/vcs-ref/<ref>. "user/*" admits both.
  project_subject = "org/${var.org_id}/project/${var.project_id}/user/*"
  # With refs pinned, the user id is matched by 36 single-character wildcards instead of "*":
  # with "*" a branch named ".../vcs-ref/refs/heads/main" could supply the pinned tail itself.
  any_user_id = "????????-????-????-????-????????????"
  deploy_subjects = length(var.deploy_vcs_refs) == 0 ? [local.project_subject] : [
    for ref in var.deploy_vcs_refs : "org/${var.org_id}/project/${var.project_id}/user/${local.any_user_id}/vcs-origin/${var.vcs_origin}/vcs-ref/${ref}"
  ]

  # Only aud and sub: IAM tests a few registered claims of a generic OIDC provider's token and
  # none of CircleCI's custom ones. A condition on oidc.circleci.com/context-ids would never
  # match, so no job could assume the role (see terraform/README.md, "CircleCI roles").
  trust = {
    for role, subjects in { build = [local.project_subject], deploy = local.deploy_subjects } : role => jsonencode({
      Version = "2012-10-17"
      Statement = [{
        Sid       = "CircleCIJobsOfThisProject"
        Effect    = "Allow"
        Principal = { Federated = local.oidc_provider_arn }
        Action    = "sts:AssumeRoleWithWebIdentity"
        Condition = {
          StringEquals = { "${local.issuer}:aud" = var.org_id }
          StringLike   = { "${local.issuer}:sub" = subjects }
        }
      }]
    })
  }

  # What both roles need of ECR: a login, and (the build role on top: push) pulling layers.
  registry_login = {
    Sid      = "RegistryLogin"
    Effect   = "Allow"
    Action   = "ecr:GetAuthorizationToken"
    Resource = "*" # GetAuthorizationToken has no resource-level permissions.
  }
  ecr_pull_actions = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]

  env_name = "notejam-${var.environment}"
  arn      = { for svc in ["ecr", "eks", "rds", "secretsmanager"] : svc => "arn:${module.aws.partition}:${svc}:${var.region}:${module.aws.account_id}" }
}

resource "aws_iam_openid_connect_provider" "circleci" {
  count = var.create_oidc_provider ? 1 : 0

  url            = "https://${local.issuer}"
  client_id_list = [var.org_id]
  # No thumbprint_list: IAM fetches and checks the issuer's certificate itself.
  tags = var.tags
}

# --- build: pushes images to the repositories of every environment (context notejam-build). ---
module "build_role" {
  source = "../iam-role"
  count  = var.create_build_role ? 1 : 0

  name                 = "circleci-notejam-build"
  description          = "CircleCI build-image jobs: push to the ECR repositories of every environment."
  assume_role_policy   = local.trust.build
  max_session_duration = 3600
  inline_policies = {
    "push-images" = jsonencode({
      Version = "2012-10-17"
      Statement = [
        local.registry_login,
        {
          Sid    = "PushToEveryEnvironment"
          Effect = "Allow"
          Action = concat(local.ecr_pull_actions, [
            "ecr:InitiateLayerUpload",
            "ecr:UploadLayerPart",
            "ecr:CompleteLayerUpload",
            "ecr:PutImage",
          ])
          Resource = [for prefix in var.build_repository_prefixes : "${local.arn.ecr}:repository/${prefix}/*"]
        },
      ]
    })
  }
  tags = var.tags
}

# --- deploy: terraform plan/apply of one environment, then deploy and gate (context notejam-<env>). ---
module "deploy_role" {
  source = "../iam-role"

  # Outside the notejam-<env>-* names the role may manage, so it cannot rewrite itself.
  name                 = "circleci-${local.env_name}-deploy"
  description          = "CircleCI jobs of ${local.env_name}: terraform plan/apply, deploy to EKS, load-test gate."
  assume_role_policy   = local.trust.deploy
  max_session_duration = 3600
  inline_policies = {
    # The environment's state: its key in the bucket, its lock file and the state key, nothing else.
    "terraform-state" = jsonencode({
      Version = "2012-10-17"
      Statement = [
        {
          Sid      = "ListStateBucket"
          Effect   = "Allow"
          Action   = "s3:ListBucket"
          Resource = var.state_bucket_arn
        },
        {
          Sid      = "ReadWriteState"
          Effect   = "Allow"
          Action   = ["s3:GetObject", "s3:PutObject"]
          Resource = "${var.state_bucket_arn}/${var.state_key}"
        },
        {
          Sid      = "LockFile"
          Effect   = "Allow"
          Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
          Resource = "${var.state_bucket_arn}/${var.state_key}.tflock"
        },
        {
          Sid      = "StateEncryption"
          Effect   = "Allow"
          Action   = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"]
          Resource = var.state_kms_key_arn
        },
        {
          # The service permissions below include s3:* and kms:*; the state keeps its versions,
          # its policy and its key whatever an apply does.
          Sid       = "NothingElseOnTheStateBucket"
          Effect    = "Deny"
          NotAction = ["s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
          Resource  = [var.state_bucket_arn, "${var.state_bucket_arn}/*"]
        },
        {
          Sid       = "NothingElseOnTheStateKey"
          Effect    = "Deny"
          NotAction = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
          Resource  = var.state_kms_key_arn
        },
      ]
    })

    # What terraform of the environment manages (modules/environment): the services it uses, in the
    # environment's region, and the IAM roles and policies named notejam-<env>-*. Per service, not
    # per resource: terraform creates the VPC, cluster, database, keys and buckets, whose ARNs do
    # not exist when this role is made. The isolation between environments is the account
    # (terraform/bootstrap runs once per account and environment); terraform/README.md says what
    # this does not prevent (an inline policy on a notejam-<env>-* role can grant more).
    "terraform-environment" = jsonencode({
      Version = "2012-10-17"
      Statement = [
        {
          Sid    = "EnvironmentServicesInItsRegion"
          Effect = "Allow"
          Action = [
            "cloudwatch:*", "ec2:*", "ecr:*", "eks:*", "events:*", "kms:*", "lambda:*", "logs:*",
            "rds:*", "s3:*", "secretsmanager:*", "sqs:*",
          ]
          Resource  = "*"
          Condition = { StringEquals = { "aws:RequestedRegion" = var.region } }
        },
        {
          Sid    = "EnvironmentRolesAndPolicies"
          Effect = "Allow"
          Action = "iam:*"
          Resource = [
            "arn:${module.aws.partition}:iam::${module.aws.account_id}:role/${local.env_name}-*",
            "arn:${module.aws.partition}:iam::${module.aws.account_id}:policy/${local.env_name}-*",
          ]
        },
        {
          Sid      = "ReadIam"
          Effect   = "Allow"
          Action   = ["iam:Get*", "iam:List*"]
          Resource = "*"
        },
        {
          Sid      = "ServiceLinkedRoles"
          Effect   = "Allow"
          Action   = "iam:CreateServiceLinkedRole"
          Resource = "*"
          Condition = {
            StringEquals = {
              "iam:AWSServiceName" = ["eks.amazonaws.com", "eks-nodegroup.amazonaws.com", "rds.amazonaws.com", "autoscaling.amazonaws.com"]
            }
          }
        },
        {
          Sid      = "OnlyKnownManagedPolicies"
          Effect   = "Deny"
          Action   = "iam:AttachRolePolicy"
          Resource = "*"
          Condition = {
            ArnNotLike = {
              "iam:PolicyARN" = concat(
                [for p in var.attachable_aws_managed_policies : "arn:${module.aws.partition}:iam::aws:policy/${p}"],
                ["arn:${module.aws.partition}:iam::${module.aws.account_id}:policy/${local.env_name}-*"],
              )
            }
          }
        },
        {
          Sid       = "HandsOffTheCiIdentities"
          Effect    = "Deny"
          NotAction = ["iam:Get*", "iam:List*"]
          Resource = [
            "arn:${module.aws.partition}:iam::${module.aws.account_id}:role/circleci-*",
            "arn:${module.aws.partition}:iam::${module.aws.account_id}:oidc-provider/*",
          ]
        },
      ]
    })

    # What the deploy and gate jobs call besides kubectl (.circleci/config.yml: kube-context,
    # sync-secrets, deploy, loadtest-gate). Mostly inside the grant above, listed on its own so
    # that narrowing the terraform grant later cannot silently break a deploy.
    "deploy-and-gate" = jsonencode({
      Version = "2012-10-17"
      Statement = [
        {
          Sid      = "KubeconfigOfTheCluster"
          Effect   = "Allow"
          Action   = "eks:DescribeCluster"
          Resource = "${local.arn.eks}:cluster/${local.env_name}"
        },
        {
          Sid      = "DatabaseEndpoint"
          Effect   = "Allow"
          Action   = "rds:DescribeDBInstances"
          Resource = "${local.arn.rds}:db:${local.env_name}"
        },
        {
          # The RDS-managed master secret (rds!db-<id>) and the session key made by hand.
          Sid    = "AppSecrets"
          Effect = "Allow"
          Action = "secretsmanager:GetSecretValue"
          Resource = [
            "${local.arn.secretsmanager}:secret:rds!db-*",
            "${local.arn.secretsmanager}:secret:notejam/${var.environment}/secret-key-*",
          ]
        },
        {
          Sid       = "DecryptAppSecrets"
          Effect    = "Allow"
          Action    = "kms:Decrypt"
          Resource  = "*"
          Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.${var.region}.amazonaws.com" } }
        },
        local.registry_login,
        {
          Sid      = "PullTheEnvironmentsImages"
          Effect   = "Allow"
          Action   = local.ecr_pull_actions
          Resource = "${local.arn.ecr}:repository/${local.env_name}/*"
        },
      ]
    })
  }
  tags = var.tags
}
