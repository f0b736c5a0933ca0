# syntax=docker/dockerfile:1.7
# Image for the load generator (binary `notejam-loadtest`: run, baseline, gate, merge).
# Build from the repository root:  docker build -f docker/loadtest.Dockerfile -t notejam-loadtest:dev .

# checkov:skip=CKV_DOCKER_2: a run-to-completion load generator has no server to probe; the distroless image has no shell or curl either

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --package notejam-loadtest --bin notejam-loadtest \
 && install -D -m 0755 target/release/notejam-loadtest /out/notejam-loadtest

FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
COPY --from=build /out/notejam-loadtest /usr/local/bin/notejam-loadtest
USER 65532:65532
# Reports (JSON, JUnit XML, Markdown, HTML) are written here; mount a volume on it in Kubernetes,
# because the root filesystem is read-only there.
WORKDIR /reports
ENTRYPOINT ["/usr/local/bin/notejam-loadtest"]
CMD ["--help"]
