output "arn" {
  description = "ARN of the role."
  value       = aws_iam_role.this.arn
}

output "name" {
  description = "Name of the role."
  value       = aws_iam_role.this.name
}

output "id" {
  description = "Id of the role (its name), what an inline policy's role names."
  value       = aws_iam_role.this.id
}

output "assume_role_policy" {
  description = "The trust policy (JSON) as sent."
  value       = aws_iam_role.this.assume_role_policy
}

output "inline_policies" {
  description = "Inline policy name => { role, policy } as sent: the role it is attached to and the document (JSON)."
  value       = { for k, p in aws_iam_role_policy.this : k => { role = p.role, policy = p.policy } }
}

output "managed_policy_arns" {
  description = "The managed policies attached to the role, by key."
  value       = { for k, a in aws_iam_role_policy_attachment.this : k => a.policy_arn }
}
