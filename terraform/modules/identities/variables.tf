variable "name" {
  description = "Name prefix of the roles, e.g. notejam-prod."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name must be 3-31 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "cluster_name" {
  description = "EKS cluster whose service accounts get the roles through EKS Pod Identity."
  type        = string
}

variable "app_namespace" {
  description = "Namespace of the notejam app."
  type        = string
  default     = "notejam"
}

variable "app_service_account" {
  description = "Service account of the notejam app."
  type        = string
  default     = "notejam"
}

variable "autoscaler_service_account" {
  description = "Service account of notejam-autoscaler (in app_namespace)."
  type        = string
  default     = "notejam-autoscaler"
}

variable "lb_controller_namespace" {
  description = "Namespace of the AWS Load Balancer Controller."
  type        = string
  default     = "kube-system"
}

variable "lb_controller_service_account" {
  description = "Service account of the AWS Load Balancer Controller."
  type        = string
  default     = "aws-load-balancer-controller"
}

variable "cluster_autoscaler_namespace" {
  description = "Namespace of the Kubernetes Cluster Autoscaler (resizes the node group)."
  type        = string
  default     = "kube-system"
}

variable "cluster_autoscaler_service_account" {
  description = "Service account of the Kubernetes Cluster Autoscaler (the Helm chart's rbac.serviceAccount.name)."
  type        = string
  default     = "cluster-autoscaler"
}

variable "db_secret_arn" {
  description = "Secrets Manager secret the app reads its database credentials from."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:", var.db_secret_arn))
    error_message = "db_secret_arn must be a Secrets Manager secret ARN."
  }
}

variable "db_secret_kms_key_arn" {
  description = "KMS key that encrypts the database secret."
  type        = string
}

variable "create_pod_identity_associations" {
  description = "Bind the roles to the service accounts. False only for the AWS emulator run, which does not implement EKS Pod Identity."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
