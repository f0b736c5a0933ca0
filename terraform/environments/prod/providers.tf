provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = "notejam-cloud"
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}
