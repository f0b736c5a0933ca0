variable "region" {
  description = "AWS region of the state bucket (the environment roots' backend region)."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

variable "environment" {
  description = "Environment whose state bucket this creates: dev, staging or prod (one account per environment)."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be one of dev, staging, prod."
  }
}

variable "circleci_org_id" {
  description = "CircleCI organization id (Organization Settings > Overview): the OIDC issuer is https://oidc.circleci.com/org/<id> and the tokens' audience is the id. Pass it with -var; it is not committed."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.circleci_org_id))
    error_message = "circleci_org_id must be the CircleCI organization id: a lowercase UUID such as 01234567-89ab-cdef-0123-456789abcdef."
  }
}

variable "circleci_project_id" {
  description = "CircleCI project id of this repository (Project Settings > Overview): only jobs of this project can assume the roles. Pass it with -var; it is not committed."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.circleci_project_id))
    error_message = "circleci_project_id must be the CircleCI project id: a lowercase UUID such as 01234567-89ab-cdef-0123-456789abcdef."
  }
}

variable "create_circleci_oidc_provider" {
  description = "Create the account's IAM OIDC provider for the CircleCI organization. An account holds one provider per issuer: false for every further environment bootstrapped into the same account."
  type        = bool
  default     = true
}

variable "create_circleci_build_role" {
  description = "Create the build role (ECR push to notejam-{dev,staging,prod}/*, context notejam-build): true in the one account ECR_REGISTRY names, false elsewhere."
  type        = bool
  default     = true
}

variable "circleci_deploy_vcs_refs" {
  description = "Git refs whose pipelines may assume this environment's deploy role, e.g. [\"refs/heads/main\"]; empty: every ref. The pipeline plans every environment on every branch with this role, so pinning it fails those plans until the plan gets a role of its own."
  type        = list(string)
  default     = []
}

variable "circleci_vcs_origin" {
  description = "The repository as the CircleCI token names it (e.g. github.com/<owner>/<repo>); needed with circleci_deploy_vcs_refs."
  type        = string
  default     = null
}
