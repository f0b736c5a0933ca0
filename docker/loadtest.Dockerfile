# syntax=docker/dockerfile:1.7
# Image for the load generator (binary `notejam-loadtest`: run, baseline, gate, merge).
#
# From source (the release pipeline; the default, last stage), from the repository root:
#   docker build -f docker/loadtest.Dockerfile -t notejam-loadtest:dev .
# From a binary built beforehand (CI): the context is a folder holding only `notejam-loadtest`:
#   docker build -f docker/loadtest.Dockerfile --target prebuilt -t notejam-loadtest:ci DIR
# RUNTIME_IMAGE and BUILD_IMAGE swap the public bases for local ones (scripts/images.sh).

# checkov:skip=CKV_DOCKER_2: a run-to-completion load generator has no server to probe; the distroless image has no shell or curl either
# checkov:skip=CKV_DOCKER_7: the bases are build args (so CI can swap in local ones) whose defaults are pinned tags (RUST_VERSION-slim-bookworm, cc-debian12:nonroot); checkov reads the unresolved ${RUNTIME_IMAGE} as untagged

ARG RUST_VERSION=1.95
ARG BUILD_IMAGE=rust:${RUST_VERSION}-slim-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12:nonroot

FROM ${RUNTIME_IMAGE} AS runtime-base
USER 65532:65532
# Reports (JSON, JUnit XML, Markdown, HTML) are written here; mount a volume on it in Kubernetes,
# because the root filesystem is read-only there.
WORKDIR /reports
ENTRYPOINT ["/usr/local/bin/notejam-loadtest"]
CMD ["--help"]

FROM runtime-base AS prebuilt
COPY --chmod=0755 notejam-loadtest /usr/local/bin/notejam-loadtest

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --package notejam-loadtest --bin notejam-loadtest \
 && install -D -m 0755 target/release/notejam-loadtest /out/notejam-loadtest

FROM runtime-base AS runtime
COPY --from=build /out/notejam-loadtest /usr/local/bin/notejam-loadtest
