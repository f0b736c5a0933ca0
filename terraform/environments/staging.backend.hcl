# State of the staging environment (partial configuration of the empty backend "s3" {} in backend.tf):
# its own bucket (made by terraform/bootstrap), versioned and encrypted, locked with an S3 lock
# file. Credentials and the account come from the caller's AWS profile, never from this repository.
#   terraform -chdir=terraform/environments init -reconfigure -backend-config=staging.backend.hcl
bucket       = "notejam-cloud-tfstate-staging"
key          = "notejam/staging/terraform.tfstate"
region       = "eu-west-1"
encrypt      = true
use_lockfile = true
