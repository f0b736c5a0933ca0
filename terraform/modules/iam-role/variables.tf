variable "name" {
  description = "Name of the role."
  type        = string
}

variable "description" {
  description = "Description of the role; null: none."
  type        = string
  default     = null
}

variable "trusted_service" {
  description = "Service principal that may assume the role, e.g. lambda.amazonaws.com; null when assume_role_policy is given."
  type        = string
  default     = null
}

variable "trust_actions" {
  description = "What trusted_service may call to assume the role: one action (a string) or a list of them."
  type        = any
  default     = "sts:AssumeRole"
}

variable "trust_condition" {
  description = "Condition block of the service trust statement (e.g. { StringEquals = { \"aws:SourceAccount\" = ... } }); null: none."
  type        = any
  default     = null
}

variable "assume_role_policy" {
  description = "The whole trust policy (JSON) when the principal is not one service, e.g. a federated OIDC provider; null when trusted_service is given."
  type        = string
  default     = null
}

variable "max_session_duration" {
  description = "Longest session of the role, seconds; null: IAM's default (3600)."
  type        = number
  default     = null
}

variable "inline_policies" {
  description = "Inline policies of the role: policy name => policy document (JSON)."
  type        = map(string)
  default     = {}
}

variable "managed_policy_arns" {
  description = "Managed policies attached to the role: a static key (known at plan) => policy ARN."
  type        = map(string)
  default     = {}
}

variable "tags" {
  description = "Tags of the role; null: only the provider's default tags."
  type        = map(string)
  default     = null
}
