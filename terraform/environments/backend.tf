terraform {
  # Partial configuration: the bucket, key, region and locking of each environment's state are in
  # <env>.backend.hcl beside this file, given at init (-backend-config=<env>.backend.hcl).
  backend "s3" {}
}
