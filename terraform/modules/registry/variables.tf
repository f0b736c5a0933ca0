variable "name_prefix" {
  description = "Prefix of the repository names, e.g. notejam-prod (repositories are <prefix>/<image>)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,40}$", var.name_prefix))
    error_message = "name_prefix must be 3-41 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "repositories" {
  description = "Images that get a repository."
  type        = set(string)
  default     = ["notejam", "notejam-autoscaler", "notejam-loadtest"]

  validation {
    condition     = length(var.repositories) > 0 && alltrue([for r in var.repositories : can(regex("^[a-z][a-z0-9-]*$", r))])
    error_message = "repositories must be non-empty lowercase image names."
  }
}

variable "keep_images" {
  description = "How many tagged images each repository keeps; older ones expire."
  type        = number
  default     = 50

  validation {
    condition     = var.keep_images >= 5 && var.keep_images <= 1000
    error_message = "keep_images must be between 5 and 1000."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
