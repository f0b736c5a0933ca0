variable "description" {
  description = "What the key encrypts, e.g. \"notejam-prod EKS secrets encryption\"."
  type        = string
}

variable "alias" {
  description = "Alias name without the alias/ prefix, e.g. notejam-prod-rds; null: no alias."
  type        = string
  default     = null

  validation {
    condition     = var.alias == null || can(regex("^[A-Za-z0-9/_-]+$", var.alias))
    error_message = "alias must be letters, digits, /, _ and - only (no alias/ prefix)."
  }
}

variable "policy_statements" {
  description = "Key policy statements after the account's own AccountAdministers statement (and before the cloudwatch_logs one) (objects as in a policy document: Sid, Effect, Principal, Action, Resource, Condition)."
  type        = any
  default     = []
}

variable "cloudwatch_logs" {
  description = "Let CloudWatch Logs use the key for the log groups named by log_group (a name, or a pattern with * and operator ArnLike), as the last statement, with this Sid; null: no such statement."
  type = object({
    sid       = string
    log_group = string
    operator  = optional(string, "ArnEquals")
  })
  default = null

  validation {
    condition     = var.cloudwatch_logs == null || contains(["ArnEquals", "ArnLike"], try(var.cloudwatch_logs.operator, ""))
    error_message = "cloudwatch_logs.operator must be ArnEquals or ArnLike."
  }
}

variable "tags" {
  description = "Tags of the key; null: only the provider's default tags."
  type        = map(string)
  default     = null
}
