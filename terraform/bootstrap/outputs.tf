output "state_bucket" {
  description = "Bucket named in environments/<environment>/versions.tf."
  value       = aws_s3_bucket.state.bucket
}
