# One environment of Notejam Cloud. This file is the same in every root under environments/ (the
# checks hold them identical): an environment is its variables.tfvars (one `environment` object,
# typed and validated by modules/environment) and its state (backend.tf), nothing else.
#
#   terraform init
#   terraform plan  -var-file variables.tfvars
#   terraform apply -var-file variables.tfvars

# Terraform >= 1.10 (S3 native state locking, cross-variable validation) and aws ~> 5.0 are
# required by modules/environment/versions.tf, which Terraform enforces for every root that calls it.

variable "environment" {
  description = "This environment: the object that modules/environment's variable \"environment\" types, documents and validates."
  # The type is said once, in the module; a field this root passes and the module does not know
  # is caught by the output's precondition below.
  type = any
}

provider "aws" {
  region = var.environment.region

  default_tags {
    tags = {
      Project     = "notejam-cloud"
      Environment = var.environment.name
      ManagedBy   = "terraform"
    }
  }
}

module "environment" {
  source = "../../modules/environment"

  environment = var.environment
}

output "environment" {
  description = "Everything modules/environment outputs: name, cluster, database, images, workload roles, backup, and the settings in force."
  value       = module.environment

  # A variables.tfvars copied from another root without changing `name` fails at plan.
  precondition {
    condition     = module.environment.name == basename(abspath(path.root))
    error_message = "environment.name in variables.tfvars must name this root's directory (environments/${basename(abspath(path.root))}); it says \"${module.environment.name}\"."
  }

  # The module's object type drops the fields it does not declare: a misspelt optional field
  # would otherwise be ignored without a word.
  precondition {
    condition     = length(setsubtract(keys(var.environment), keys(module.environment.settings))) == 0
    error_message = "environment in variables.tfvars has fields modules/environment does not know: ${join(", ", sort(setsubtract(keys(var.environment), keys(module.environment.settings))))}."
  }
}
