# syntax=docker/dockerfile:1.7
# Image for the in-cluster autoscaler (binary `notejam-autoscaler`).
# Build from the repository root:  docker build -f docker/autoscaler.Dockerfile -t notejam-autoscaler:dev .

# checkov:skip=CKV_DOCKER_2: Kubernetes probes the admin port's /healthz and /readyz; the distroless image has no shell or curl to run a HEALTHCHECK, and Kubernetes ignores it anyway

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --package notejam-autoscaler --bin notejam-autoscaler \
 && install -D -m 0755 target/release/notejam-autoscaler /out/notejam-autoscaler

FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
COPY --from=build /out/notejam-autoscaler /usr/local/bin/notejam-autoscaler
USER 65532:65532
ENV RUST_LOG=info
# The autoscaler serves its own /metrics and health endpoints on 9464, like the app.
EXPOSE 9464
ENTRYPOINT ["/usr/local/bin/notejam-autoscaler"]
