"""Writes the override file that turns a copy of a root into one applied to moto. An environment
root: the state goes to moto's S3 through the real s3 backend (with its lock file), every provider
endpoint points at moto, and the module gets `aws_emulator = true` and the Lambda package.
bootstrap/ (ENVIRONMENT `bootstrap`): only the provider points at moto; its state stays local, as
in a real account. Nothing of it is written into the repository.

    emulator_override OUT.tf MOTO_ENDPOINT ENVIRONMENT|bootstrap [LAMBDA_ZIP]
"""

import sys

# The services the environment's resources call.
SERVICES = (
    "cloudwatch",
    "cloudwatchlogs",
    "ec2",
    "ecr",
    "eks",
    "events",
    "iam",
    "kms",
    "lambda",
    "rds",
    "sns",
    "s3",
    "secretsmanager",
    "sqs",
    "sts",
)

TEMPLATE = """\
terraform {{
  backend "s3" {{
    bucket                      = "{bucket}"
    key                         = "notejam/{env}/terraform.tfstate"
    region                      = "eu-west-1"
    encrypt                     = true
    use_lockfile                = true
    endpoints                   = {{ s3 = "{endpoint}" }}
    use_path_style              = true
    access_key                  = "emulator"
    secret_key                  = "emulator"
    skip_credentials_validation = true
    skip_requesting_account_id  = true
    skip_metadata_api_check     = true
    skip_region_validation      = true
  }}
}}

provider "aws" {{
  region                      = var.environment.region
{provider}
  default_tags {{
    tags = {{
      Project     = "notejam-cloud"
      Environment = var.environment.name
      ManagedBy   = "terraform"
    }}
  }}
}}

module "environment" {{
  environment  = merge(var.environment, {{ backup_lambda_zip_path = "{zip}" }})
  aws_emulator = true
}}
"""

# bootstrap/'s own provider block keeps its region and default tags; the override adds the rest.
BOOTSTRAP_TEMPLATE = """\
provider "aws" {{
{provider}}}
"""

# The provider arguments that point it at moto, in both templates.
PROVIDER = """\
  access_key                  = "emulator"
  secret_key                  = "emulator"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  s3_use_path_style           = true

  endpoints {{
{endpoints}
  }}
"""


def state_bucket(env: str) -> str:
    """The bucket terraform/bootstrap makes for an environment's state."""
    return f"notejam-cloud-tfstate-{env}"


def render(endpoint: str, env: str, zip_path: str | None = None) -> str:
    width = max(len(s) for s in SERVICES)
    endpoints = "\n".join(f'    {s:<{width}} = "{endpoint}"' for s in SERVICES)
    provider = PROVIDER.format(endpoints=endpoints)
    if env == "bootstrap":
        return BOOTSTRAP_TEMPLATE.format(provider=provider)
    return TEMPLATE.format(
        bucket=state_bucket(env), env=env, endpoint=endpoint, provider=provider, zip=zip_path
    )


def main(args: list[str]) -> int:
    out, endpoint, env, *zip_path = args
    with open(out, "w") as f:
        f.write(render(endpoint, env, *zip_path))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
