terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }

  # Local state on purpose: this root creates the bucket the other roots keep their state in.
  # Its own state holds no secret; keep it out of git (*.tfstate is ignored) or, once the bucket
  # exists, move it there with a backend "s3" block and `terraform init -migrate-state`.
}
