mock_provider "aws" {
  source = "../../testing/aws-mocks"
}

variables {
  name_prefix = "notejam-test"
}

run "immutable_scanned_encrypted_repositories" {
  command = apply

  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : r.image_tag_mutability == "IMMUTABLE"])
    error_message = "Tags must be immutable."
  }
  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : one(r.image_scanning_configuration).scan_on_push])
    error_message = "Images must be scanned on push."
  }
  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : one(r.encryption_configuration).encryption_type == "KMS"])
    error_message = "Repositories must be KMS-encrypted."
  }
}
