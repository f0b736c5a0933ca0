# syntax=docker/dockerfile:1.7
# Image for the in-cluster autoscaler (binary `notejam-autoscaler`).
#
# From source (the release pipeline; the default, last stage), from the repository root:
#   docker build -f docker/autoscaler.Dockerfile -t notejam-autoscaler:dev .
# From a binary built beforehand (CI): the context is a folder holding only `notejam-autoscaler`:
#   docker build -f docker/autoscaler.Dockerfile --target prebuilt -t notejam-autoscaler:ci DIR
# RUNTIME_IMAGE and BUILD_IMAGE swap the public bases for local ones (scripts/images.sh).

# checkov:skip=CKV_DOCKER_2: Kubernetes probes the admin port's /healthz and /readyz; the distroless image has no shell or curl to run a HEALTHCHECK, and Kubernetes ignores it anyway
# checkov:skip=CKV_DOCKER_7: the bases are build args (so CI can swap in local ones) whose defaults are pinned tags (RUST_VERSION-slim-bookworm, cc-debian12:nonroot); checkov reads the unresolved ${RUNTIME_IMAGE} as untagged

ARG RUST_VERSION=1.95
ARG BUILD_IMAGE=rust:${RUST_VERSION}-slim-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12:nonroot

FROM ${RUNTIME_IMAGE} AS runtime-base
USER 65532:65532
ENV RUST_LOG=info
# The autoscaler serves its own /metrics and health endpoints on 9464, like the app.
EXPOSE 9464
ENTRYPOINT ["/usr/local/bin/notejam-autoscaler"]

FROM runtime-base AS prebuilt
COPY --chmod=0755 notejam-autoscaler /usr/local/bin/notejam-autoscaler

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --package notejam-autoscaler --bin notejam-autoscaler \
 && install -D -m 0755 target/release/notejam-autoscaler /out/notejam-autoscaler

FROM runtime-base AS runtime
COPY --from=build /out/notejam-autoscaler /usr/local/bin/notejam-autoscaler
