"""The answer a check gives manifests.sh's run_check: problems, a DETAIL line, an exit status."""

import sys
from collections.abc import Callable


class Report:
    """Problems found by one check."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, problem: str) -> None:
        """Records one problem; any problem fails the check."""
        self.problems.append(problem)

    def finish(self, detail: str) -> int:
        """Prints the problems and the DETAIL line; returns the exit status."""
        for problem in self.problems:
            print(problem)
        print(f"DETAIL: {detail}")
        return 1 if self.problems else 0


def run(main: Callable[[list[str]], int]) -> None:
    """Runs a check's main with the command line's arguments and exits with its status."""
    sys.exit(main(sys.argv[1:]))
