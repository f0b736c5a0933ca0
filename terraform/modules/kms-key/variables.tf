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
  description = "Key policy statements after the account's own AccountAdministers statement (objects as in a policy document: Sid, Effect, Principal, Action, Resource, Condition)."
  type        = any
  default     = []
}

variable "tags" {
  description = "Tags of the key; null: only the provider's default tags."
  type        = map(string)
  default     = null
}
