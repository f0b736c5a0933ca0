# shellcheck shell=bash
# Containers without a registry: podman configured for this kind of machine, and base images made
# from Debian's own packages. Sourced, not run. Needs lib/common.sh.
#
# Stand-ins, named as such: nothing can be pulled here, so `localhost/notejam-base-cc` stands in
# for gcr.io/distroless/cc-debian12:nonroot (same Debian release, the same few packages: glibc,
# libgcc, CA certificates, tzdata; no shell; a `nonroot` user 65532). The Dockerfiles keep the
# public bases as their defaults and take these as build arguments.

NOTEJAM_CACHE="${NOTEJAM_CACHE:-$HOME/.cache/notejam-cloud}"
BASE_CC_IMAGE="localhost/notejam-base-cc:bookworm"
# What goes into the stand-in, and its version: a change here rebuilds it.
BASE_CC_PACKAGES="libc6,libgcc-s1,ca-certificates,tzdata,netbase"
BASE_CC_RECIPE="2:bookworm:$BASE_CC_PACKAGES"

# containers_setup: installs podman and what it needs, and points it at our own containers.conf:
# runc (crun fails here), ulimits the sandbox allows, and the host network as the default
# (the default bridge uses private address ranges, which must never carry traffic here).
containers_setup() {
  apt_install podman buildah runc mmdebstrap uidmap debian-archive-keyring
  mkdir -p "$NOTEJAM_CACHE"
  export CONTAINERS_CONF="$NOTEJAM_CACHE/containers.conf"
  cat >"$CONTAINERS_CONF" <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
netns = "host"
[engine]
runtime = "runc"
CONF
  podman info >/dev/null || die "podman does not work on this machine (see podman info)"
}

# image_exists NAME: true when podman has that image locally.
image_exists() { podman image exists "$1"; }

# build_base_cc: makes the distroless/cc stand-in from Debian packages unless the current
# recipe's image is already there.
build_base_cc() {
  if image_exists "$BASE_CC_IMAGE" &&
    [ "$(podman image inspect --format '{{index .Labels "io.notejam.recipe"}}' "$BASE_CC_IMAGE")" = "$BASE_CC_RECIPE" ]; then
    return 0
  fi
  log "base image $BASE_CC_IMAGE from Debian packages ($BASE_CC_PACKAGES)"
  local tar; tar=$(mktemp /tmp/notejam-base.XXXXXX.tar)
  # shellcheck disable=SC2016 # the hooks run in mmdebstrap's own shell, where $1 is the new root
  # extract: unpack the packages, run no maintainer script (the image has no shell to run them).
  # In this variant mmdebstrap runs extract hooks only; they do what distroless adds by hand: the
  # CA bundle (without it rustls finds no roots and the OTLP exporter refuses to start), passwd
  # and group with root and nonroot, a writable /tmp, and no apt or dpkg state.
  mmdebstrap --quiet --variant=extract --include="$BASE_CC_PACKAGES" --format=tar \
    --extract-hook='mkdir -p "$1/etc/ssl/certs" "$1/tmp" "$1/home/nonroot" && chmod 1777 "$1/tmp"' \
    --extract-hook='find "$1/usr/share/ca-certificates" -name "*.crt" | sort | xargs cat > "$1/etc/ssl/certs/ca-certificates.crt"' \
    --extract-hook='printf "root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n" > "$1/etc/passwd"' \
    --extract-hook='printf "root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n" > "$1/etc/group" && chown 65532:65532 "$1/home/nonroot"' \
    --extract-hook='rm -rf "$1/var/lib/apt" "$1/var/cache/apt" "$1/var/lib/dpkg" "$1/usr/share/doc" "$1/usr/share/man"' \
    bookworm "$tar" http://deb.debian.org/debian >&2 || { rm -f "$tar"; die "mmdebstrap failed"; }
  podman import --quiet \
    --change 'LABEL io.notejam.recipe='"$BASE_CC_RECIPE" \
    --change 'LABEL io.notejam.stand-in-for=gcr.io/distroless/cc-debian12:nonroot' \
    --change 'USER 65532:65532' \
    "$tar" "$BASE_CC_IMAGE" >/dev/null
  rm -f "$tar"
}
