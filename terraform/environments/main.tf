# The one root of every environment of Notejam Cloud. An environment is data only: <env>.tfvars
# (one `environment` object, typed and validated by modules/environment) and <env>.backend.hcl (its
# state, a partial configuration of the empty backend in backend.tf), both beside this file:
#
#   terraform -chdir=terraform/environments init -reconfigure -backend-config=<env>.backend.hcl
#   terraform -chdir=terraform/environments plan  -var-file=<env>.tfvars -out=<env>.tfplan
#   terraform -chdir=terraform/environments apply <env>.tfplan
#
# -reconfigure: .terraform/ remembers the last backend; switching to another environment without it
# makes terraform offer to copy that state into the new one (answer no) or fail (-input=false).

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
  source = "../modules/environment"

  environment = var.environment
}

output "environment" {
  description = "Everything modules/environment outputs: name, cluster, database, images, workload roles, backup, and the settings in force."
  value       = module.environment

  # An <env>.tfvars copied from another environment's without changing `name` fails at plan: the
  # file of the environment it names must be there and hold its vpc_cidr (every environment has a
  # range of its own), so prod's values named "staging" are refused.
  precondition {
    condition     = try(regex("(?m)^\\s*vpc_cidr\\s*=\\s*\"([^\"]*)\"", file("${path.module}/${module.environment.name}.tfvars"))[0], null) == var.environment.vpc_cidr
    error_message = "environment.name says \"${module.environment.name}\", but these are not the values of ${module.environment.name}.tfvars (its vpc_cidr differs, or there is no such file beside main.tf): a tfvars copied from another environment must name its own."
  }

  # The module's object type drops the fields it does not declare: a misspelt optional field
  # would otherwise be ignored without a word.
  precondition {
    condition     = length(setsubtract(keys(var.environment), keys(module.environment.settings))) == 0
    error_message = "environment in the tfvars has fields modules/environment does not know: ${join(", ", sort(setsubtract(keys(var.environment), keys(module.environment.settings))))}."
  }
}
