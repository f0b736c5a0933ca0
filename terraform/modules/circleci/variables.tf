variable "org_id" {
  description = "CircleCI organization id (a UUID; Organization Settings > Overview). It names the OIDC issuer https://oidc.circleci.com/org/<org_id> and is the tokens' audience. Not a secret, but not committed either: pass it in."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.org_id))
    error_message = "org_id must be the CircleCI organization id: a lowercase UUID such as 01234567-89ab-cdef-0123-456789abcdef."
  }
}

variable "project_id" {
  description = "CircleCI project id of this repository (a UUID; Project Settings > Overview). Only tokens of jobs in this project can assume the roles."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.project_id))
    error_message = "project_id must be the CircleCI project id: a lowercase UUID such as 01234567-89ab-cdef-0123-456789abcdef."
  }
}

variable "create_oidc_provider" {
  description = "Create the IAM OIDC provider for oidc.circleci.com/org/<org_id>. An account has at most one provider per issuer URL: false when another root already created it in this account (the roles then trust that one)."
  type        = bool
  default     = true
}

variable "region" {
  description = "Region of the environment (and of its ECR repositories); the deploy role's service permissions are limited to it."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

variable "environment" {
  description = "Environment whose deploy role this creates (dev, staging or prod): the role of CircleCI context notejam-<environment>."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be one of dev, staging, prod."
  }
}

variable "state_bucket_arn" {
  description = "ARN of the environment's terraform state bucket (terraform/bootstrap)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_bucket_arn))
    error_message = "state_bucket_arn must be an S3 bucket ARN such as arn:aws:s3:::notejam-cloud-tfstate-dev."
  }
}

variable "state_key" {
  description = "Object key of the environment's state in the bucket, as in the root's backend block; the lock file is <state_key>.tflock."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_./-]+\\.tfstate$", var.state_key)) && !startswith(var.state_key, "/")
    error_message = "state_key must be a relative object key ending in .tfstate, e.g. notejam/dev/terraform.tfstate."
  }
}

variable "state_kms_key_arn" {
  description = "KMS key that encrypts the state objects."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.state_kms_key_arn))
    error_message = "state_kms_key_arn must be a KMS key ARN."
  }
}

variable "deploy_vcs_refs" {
  description = "Git refs whose pipelines may assume the deploy role, e.g. [\"refs/heads/main\"]; empty: any ref of the project. Needs vcs_origin, and works only with $CIRCLE_OIDC_TOKEN_V2 (the pipeline's token), whose sub ends in /vcs-origin/<origin>/vcs-ref/<ref>. Note that the pipeline plans every environment on every branch with the deploy role."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for r in var.deploy_vcs_refs : can(regex("^refs/(heads|tags)/[A-Za-z0-9._/-]+$", r))])
    error_message = "deploy_vcs_refs must list full git refs without wildcards, such as refs/heads/main or refs/tags/v1.2.3."
  }
  validation {
    condition     = length(var.deploy_vcs_refs) == 0 || var.vcs_origin != null
    error_message = "deploy_vcs_refs needs vcs_origin: without it a branch named like \".../vcs-ref/refs/heads/main\" would match the pattern."
  }
}

variable "vcs_origin" {
  description = "Repository as CircleCI names it in the token (the oidc.circleci.com/vcs-origin claim), e.g. github.com/acme/notejam-cloud. Only used with deploy_vcs_refs."
  type        = string
  default     = null

  validation {
    condition     = var.vcs_origin == null ? true : can(regex("^[a-z0-9.-]+(/[A-Za-z0-9._-]+)+$", var.vcs_origin))
    error_message = "vcs_origin must look like github.com/<owner>/<repository>, without a scheme or wildcards."
  }
}

variable "create_build_role" {
  description = "Create the build role (ECR push, CircleCI context notejam-build). One per registry: the account that ECR_REGISTRY names."
  type        = bool
  default     = true
}

variable "build_repository_prefixes" {
  description = "Repository prefixes the build role may push to: the pipeline's build-image job pushes $ECR_REGISTRY/notejam-<env>/<image> for every environment (modules/registry names them notejam-<env>/<image>)."
  type        = list(string)
  default     = ["notejam-dev", "notejam-staging", "notejam-prod"]

  validation {
    condition     = length(var.build_repository_prefixes) > 0 && alltrue([for p in var.build_repository_prefixes : can(regex("^[a-z][a-z0-9-]{2,40}$", p))])
    error_message = "build_repository_prefixes must list registry name prefixes such as notejam-dev (no wildcards)."
  }
}

variable "attachable_aws_managed_policies" {
  description = "AWS managed policies the environment's own roles attach (cluster, nodes, RDS monitoring); the deploy role may attach these and the environment's own policies, nothing else."
  type        = list(string)
  default = [
    "AmazonEKSClusterPolicy",
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryReadOnly",
    "service-role/AmazonRDSEnhancedMonitoringRole",
  ]

  validation {
    condition     = alltrue([for p in var.attachable_aws_managed_policies : can(regex("^([A-Za-z0-9-]+/)?[A-Za-z0-9_+=,.@-]+$", p))])
    error_message = "attachable_aws_managed_policies must be AWS managed policy names, optionally with their path (service-role/...), without wildcards."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
