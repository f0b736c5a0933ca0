"""Creates the state bucket the emulated root's s3 backend writes to, as terraform/bootstrap
would in a real account.

    state_bucket MOTO_ENDPOINT ENVIRONMENT
"""

import sys

from .emulator_override import state_bucket
from .moto import REGION, client


def main(args: list[str]) -> int:
    endpoint, env = args
    client("s3", endpoint).create_bucket(
        Bucket=state_bucket(env), CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
