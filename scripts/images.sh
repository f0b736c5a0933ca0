#!/usr/bin/env bash
# Builds the three images (docker/*.Dockerfile) with podman from binaries already built, checks
# that each runs as non-root on a read-only root filesystem, and reports their sizes.
#
#   scripts/images.sh [--profile debug|release] [--tag TAG]
#
# The binaries come from $CARGO_TARGET_DIR/<profile>/ (built once, by scripts/test.sh or by
# `cargo build --workspace --bins [--release]`); they are stripped into a one-file build context
# and packed with each Dockerfile's `prebuilt` stage, so no image compiles anything.
# Stand-in, named as such: the runtime base is made from Debian packages
# (scripts/lib/containers.sh), because gcr.io/distroless/cc-debian12 cannot be pulled here.
# Writes test-output/images/sizes.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh
source scripts/lib/containers.sh

profile=debug
tag=ci
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) profile=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    *) die "unknown argument: $1 (see the comment at the top of $0)" ;;
  esac
done
case "$profile" in debug | release) ;; *) die "--profile is debug or release, not $profile" ;; esac

containers_setup
build_base_cc

out=test-output/images
mkdir -p "$out"
ctx_root=$(mktemp -d /tmp/notejam-images.XXXXXX)
trap 'rm -rf "$ctx_root"' EXIT

# image NAME DOCKERFILE BINARY: builds localhost/NAME:$tag from the prebuilt BINARY.
image() {
  local name=$1 dockerfile=$2 binary=$3 src="$CARGO_TARGET_DIR/$profile/$3"
  [ -x "$src" ] || die "$src is missing: build it first (cargo build --workspace --bins$([ "$profile" = release ] && echo ' --release'))"
  mkdir -p "$ctx_root/$name"
  objcopy --strip-all "$src" "$ctx_root/$name/$binary"
  log "image localhost/$name:$tag ($profile binary, base $BASE_CC_IMAGE)"
  podman build --quiet --file "$dockerfile" --target prebuilt \
    --build-arg RUNTIME_IMAGE="$BASE_CC_IMAGE" \
    --label org.opencontainers.image.revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)" \
    --label io.notejam.binary-profile="$profile" \
    --tag "localhost/$name:$tag" "$ctx_root/$name" >/dev/null
  check_image "localhost/$name:$tag" "$binary"
}

# check_image IMAGE BINARY: non-root by default, and the binary runs with a read-only root
# filesystem and every capability dropped, as the Kubernetes securityContext runs it.
check_image() {
  local ref=$1 binary=$2 user version
  user=$(podman image inspect --format '{{.Config.User}}' "$ref")
  case "$user" in "" | 0 | 0:* | root | root:*) die "$ref runs as root (USER '$user')" ;; esac
  version=$(podman run --rm --read-only --cap-drop ALL --security-opt no-new-privileges "$ref" --version) ||
    die "$ref does not run read-only as $user"
  [[ "$version" == "$binary "* ]] || die "$ref printed '$version', not its version"
  # No shell in the runtime base (as distroless): nothing to exec into, nothing to run scripts.
  if podman run --rm --read-only --entrypoint /bin/sh "$ref" -c true >/dev/null 2>&1; then
    die "$ref has a shell: the runtime base should have none"
  fi
}

image notejam docker/app.Dockerfile notejam
image notejam-autoscaler docker/autoscaler.Dockerfile notejam-autoscaler
image notejam-loadtest docker/loadtest.Dockerfile notejam-loadtest

# shellcheck disable=SC2016 # the backticks are Markdown code spans, not command substitution
{
  echo "| image | binary profile | size | base |"
  echo "|---|---|---|---|"
  for name in notejam notejam-autoscaler notejam-loadtest; do
    size=$(podman image inspect --format '{{.Size}}' "localhost/$name:$tag")
    printf '| `%s` | %s | %s MB | %s |\n' "$name:$tag" "$profile" "$(awk -v b="$size" 'BEGIN{printf "%.1f", b/1e6}')" "$BASE_CC_IMAGE"
  done
  base=$(podman image inspect --format '{{.Size}}' "$BASE_CC_IMAGE")
  printf '| `%s` (stand-in for distroless/cc) | | %s MB | Debian bookworm packages |\n' \
    "${BASE_CC_IMAGE#localhost/}" "$(awk -v b="$base" 'BEGIN{printf "%.1f", b/1e6}')"
} >"$out/sizes.md"
cat "$out/sizes.md"
