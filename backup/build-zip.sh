#!/usr/bin/env bash
# Builds the Lambda package of notejam-backup: backup/dist/notejam-backup.zip holding the
# `bootstrap` binary for the provided.al2023 runtime (x86_64).
#
# The binary must run on the Lambda runtime's glibc (2.34 on Amazon Linux 2023), not this
# machine's, so it is linked with cargo-zigbuild against glibc 2.34. Zig and cargo-zigbuild
# both come from PyPI and are installed here if missing. terraform only takes the zip's path.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
target=x86_64-unknown-linux-gnu
glibc=2.34
out_dir="$here/dist"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/notejam-cloud/target}"

if ! command -v cargo-zigbuild >/dev/null 2>&1 || ! python3 -m ziglang version >/dev/null 2>&1; then
  echo "installing cargo-zigbuild and ziglang from PyPI" >&2
  python3 -m pip install --quiet --disable-pip-version-check cargo-zigbuild ziglang
fi

cd "$here/.."
nice -n 10 cargo zigbuild --release --locked -p notejam-backup --target "$target.$glibc" --bin bootstrap

binary="$CARGO_TARGET_DIR/$target/release/bootstrap"
mkdir -p "$out_dir"
python3 - "$binary" "$out_dir/notejam-backup.zip" <<'PY'
import sys, zipfile
binary, zip_path = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as z:
    # A fixed timestamp keeps the zip (and so terraform's source_code_hash) stable across builds
    # of the same binary; the mode makes `bootstrap` executable in the runtime.
    info = zipfile.ZipInfo("bootstrap", date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = 0o755 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    with open(binary, "rb") as f:
        z.writestr(info, f.read())
PY

# The newest glibc symbol version the binary needs must be one the runtime has: refuse the
# package otherwise (it would fail at its first invocation in AWS, not here).
command -v objdump >/dev/null || { echo "objdump (binutils) is needed to check the glibc the binary needs" >&2; exit 1; }
max_glibc=$(objdump -T "$binary" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
[ -n "$max_glibc" ] || { echo "no GLIBC symbol versions found in $binary" >&2; exit 1; }
if [ "$(printf '%s\n' "$max_glibc" "GLIBC_$glibc" | sort -V | tail -1)" != "GLIBC_$glibc" ]; then
  rm -f "$out_dir/notejam-backup.zip"
  echo "$binary needs $max_glibc, newer than the Lambda runtime's GLIBC_$glibc: not packaged" >&2
  exit 1
fi
echo "built $out_dir/notejam-backup.zip ($(du -h "$out_dir/notejam-backup.zip" | cut -f1); needs $max_glibc <= GLIBC_$glibc)"
