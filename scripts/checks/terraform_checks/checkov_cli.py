"""checkov (the checkov venv's Python) with every IAM policy of a plan analysed on its own.

    checkov_cli CHECKOV_ARGS...

checkov's policy-content checks (CKV_AWS_286-290, 355 and the other cloudsplaining checks) cache
the parsed policy under `<file>:<type>:<name>`, without the instance key or the module path
(checkov issue 7337). In a plan every role of modules/iam-role is `aws_iam_role_policy.this`, so
each of them was judged by the document of whichever was scanned first: wrong failures for some,
missed ones for others. This runs checkov's own CLI with that cache turned off (it only saves
time); it refuses to run if the cache is no longer where this expects it (a new checkov pin).
"""

import sys
import warnings
from typing import Any

from checkov.main import Checkov
from checkov.terraform.checks.utils.base_cloudsplaining_iam_scanner import (
    BaseTerraformCloudsplainingIAMScanner as Scanner,
)


class NoCache(dict[str, Any]):
    """Looks empty to `key not in cache.keys()`, so every policy is parsed from its own document."""

    def keys(self) -> Any:
        return ()


def main() -> int:
    if not isinstance(getattr(Scanner, "policy_document_cache", None), dict):
        print(
            "checkov_cli: checkov's policy_document_cache is not where it was (checkov 3.3.30)",
            file=sys.stderr,
        )
        return 2
    Scanner.policy_document_cache = NoCache()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=SyntaxWarning)
        return Checkov().run()


if __name__ == "__main__":
    sys.exit(main())
