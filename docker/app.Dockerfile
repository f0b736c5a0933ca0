# syntax=docker/dockerfile:1.7
# Image for the Notejam web app (binary `notejam`: `serve` by default, `migrate` for the Job).
#
# From source (the release pipeline; the default, last stage), from the repository root:
#   docker build -f docker/app.Dockerfile -t notejam:dev .
# From a binary built beforehand (CI builds the workspace once and packs that binary): the
# context is a folder holding only `notejam`:
#   docker build -f docker/app.Dockerfile --target prebuilt -t notejam:ci DIR
# RUNTIME_IMAGE and BUILD_IMAGE swap the public bases for local ones (scripts/images.sh makes
# Debian-package stand-ins where nothing can be pulled).

# checkov:skip=CKV_DOCKER_2: Kubernetes probes the admin port's /healthz and /readyz; the distroless image has no shell or curl to run a HEALTHCHECK, and Kubernetes ignores it anyway
# checkov:skip=CKV_DOCKER_7: the bases are build args (so CI can swap in local ones) whose defaults are pinned tags (RUST_VERSION-slim-bookworm, cc-debian12:nonroot); checkov reads the unresolved ${RUNTIME_IMAGE} as untagged

ARG RUST_VERSION=1.95
ARG BUILD_IMAGE=rust:${RUST_VERSION}-slim-bookworm
# distroless/cc: glibc, libgcc, CA certificates and tzdata; no shell, no package manager.
# The :nonroot tag runs as uid/gid 65532.
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12:nonroot

FROM ${RUNTIME_IMAGE} AS runtime-base
USER 65532:65532
ENV NOTEJAM_LISTEN=0.0.0.0:8080 \
    NOTEJAM_ADMIN_LISTEN=0.0.0.0:9464 \
    RUST_LOG=info
EXPOSE 8080 9464
ENTRYPOINT ["/usr/local/bin/notejam"]
CMD ["serve"]

FROM runtime-base AS prebuilt
COPY --chmod=0755 notejam /usr/local/bin/notejam

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
# The whole workspace is needed because Cargo resolves every member from Cargo.lock;
# .dockerignore keeps target/, git history and local databases out of the context.
COPY . .
# --locked makes the build fail instead of silently re-resolving dependencies.
# The cache mounts keep the registry and target dir between builds without baking them into a layer.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --package notejam --bin notejam \
 && install -D -m 0755 target/release/notejam /out/notejam

FROM runtime-base AS runtime
COPY --from=build /out/notejam /usr/local/bin/notejam
