# shellcheck shell=bash
# lint_scripts: shellcheck on every shell script of the repository and ruff (check and format) on
# every Python file; fails on any finding. Sourced by scripts/test.sh (needs lib/common.sh), or run
# on its own from anywhere: `bash scripts/lib/lint.sh`.
#
# The files are what git tracks (plus new, not ignored ones), so a script added anywhere is linted
# without touching this file: `*.sh`, `*.py`, and `.ci/run` (a shell script without the ending).
# The shellcheck is Debian's (0.9.0 on bookworm); ruff is pinned and lives in a venv of its own.
# A finding is fixed, not silenced; a targeted `# shellcheck disable=SCxxxx` or `# noqa: XXX` says
# why on the same line.

RUFF_VERSION=0.17.6

lint_scripts() {
  local root venv shell_files py_files ruff_opts
  root=$(git rev-parse --show-toplevel)
  command -v shellcheck >/dev/null || apt_install shellcheck
  venv="$HOME/.cache/notejam-cloud/lint-venv"
  if [ "$("$venv/bin/ruff" --version 2>/dev/null)" != "ruff $RUFF_VERSION" ]; then
    log "installing ruff $RUFF_VERSION into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "ruff==$RUFF_VERSION"
  fi
  mapfile -t shell_files < <(cd "$root" && git ls-files -co --exclude-standard -- '*.sh' .ci/run)
  mapfile -t py_files < <(cd "$root" && git ls-files -co --exclude-standard -- '*.py')
  # -x follows `source`d files; paths in `source` lines are relative to the repository's root.
  (cd "$root" && shellcheck -x "${shell_files[@]}") || die "shellcheck found the problems above"
  ruff_opts=(--config "$root/scripts/checks/ruff.toml" --no-cache)
  (cd "$root" && "$venv/bin/ruff" check "${ruff_opts[@]}" "${py_files[@]}") ||
    die "ruff check found the problems above"
  (cd "$root" && "$venv/bin/ruff" format "${ruff_opts[@]}" --diff "${py_files[@]}") ||
    die "ruff format would change the files above (run ruff format on them)"
  log "shellcheck: ${#shell_files[@]} shell scripts clean; ruff: ${#py_files[@]} Python files clean"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  # shellcheck source=scripts/lib/common.sh
  source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
  lint_scripts
fi
