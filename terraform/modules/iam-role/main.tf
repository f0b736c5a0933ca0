# An IAM role, its trust and its permissions in one place: every role of the platform is one of
# these. The trust is either one AWS service (trusted_service, with its actions and an optional
# condition) or a whole policy document (assume_role_policy, e.g. CircleCI's OIDC federation).
# Permissions are inline policies (name => JSON) and attached managed policies (key => ARN); the
# keys are static names, so they are known at plan time.

locals {
  service_trust = var.trusted_service == null ? null : jsonencode({
    Version = "2012-10-17"
    Statement = [merge(
      {
        Effect    = "Allow"
        Principal = { Service = var.trusted_service }
        Action    = var.trust_actions
      },
      var.trust_condition == null ? {} : { Condition = var.trust_condition },
    )]
  })
}

resource "aws_iam_role" "this" {
  name                 = var.name
  description          = var.description
  assume_role_policy   = coalesce(var.assume_role_policy, local.service_trust)
  max_session_duration = var.max_session_duration
  tags                 = var.tags

  lifecycle {
    precondition {
      condition     = (var.assume_role_policy == null) != (var.trusted_service == null)
      error_message = "Give exactly one of trusted_service and assume_role_policy."
    }
  }
}

resource "aws_iam_role_policy" "this" {
  for_each = var.inline_policies

  name   = each.key
  role   = aws_iam_role.this.id
  policy = each.value
}

resource "aws_iam_role_policy_attachment" "this" {
  for_each = var.managed_policy_arns

  role       = aws_iam_role.this.name
  policy_arn = each.value
}
