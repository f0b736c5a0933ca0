provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = "notejam-cloud"
      Environment = var.environment
      ManagedBy   = "terraform-bootstrap"
    }
  }
}

# The state bucket of one environment: versioned (every state revision can be recovered),
# encrypted, private, TLS only. Locking uses an S3 lock file next to the state (use_lockfile).
resource "aws_s3_bucket" "state" {
  #checkov:skip=CKV_AWS_18:Access to state is audited through CloudTrail; a log bucket per state bucket adds nothing here.
  #checkov:skip=CKV_AWS_144:State is small and versioned; cross-region replication is not needed to rebuild it.
  #checkov:skip=CKV2_AWS_62:Nothing consumes state-object events.
  bucket = "notejam-cloud-tfstate-${var.environment}"

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket                  = aws_s3_bucket.state.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id
  versioning_configuration {
    status = "Enabled"
  }
}

module "state_key" {
  source = "../modules/kms-key"

  description = "notejam-cloud ${var.environment} terraform state"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = module.state_key.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    id     = "old-state-revisions"
    status = "Enabled"
    filter {}

    noncurrent_version_expiration {
      noncurrent_days = 365
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.state]
}

resource "aws_s3_bucket_policy" "state" {
  bucket = aws_s3_bucket.state.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.state.arn, "${aws_s3_bucket.state.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })

  depends_on = [aws_s3_bucket_public_access_block.state]
}
