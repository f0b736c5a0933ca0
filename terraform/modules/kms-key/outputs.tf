output "arn" {
  description = "ARN of the key."
  value       = aws_kms_key.this.arn
}

output "key_id" {
  description = "Id of the key."
  value       = aws_kms_key.this.key_id
}

output "policy" {
  description = "The key policy (JSON), for tests and reviews."
  value       = aws_kms_key.this.policy
}

output "enable_key_rotation" {
  description = "Whether yearly rotation is on (always)."
  value       = aws_kms_key.this.enable_key_rotation
}
