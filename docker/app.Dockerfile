# syntax=docker/dockerfile:1.7
# Image for the Notejam web app (binary `notejam`: `serve` by default, `migrate` for the Job).
# Build from the repository root:  docker build -f docker/app.Dockerfile -t notejam:dev .

# checkov:skip=CKV_DOCKER_2: Kubernetes probes the admin port's /healthz and /readyz; the distroless image has no shell or curl to run a HEALTHCHECK, and Kubernetes ignores it anyway

ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-slim-bookworm AS build
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

# distroless/cc: glibc, libgcc, CA certificates and tzdata; no shell, no package manager.
# The :nonroot tag runs as uid/gid 65532.
FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
COPY --from=build /out/notejam /usr/local/bin/notejam
USER 65532:65532
ENV NOTEJAM_LISTEN=0.0.0.0:8080 \
    NOTEJAM_ADMIN_LISTEN=0.0.0.0:9464 \
    RUST_LOG=info
EXPOSE 8080 9464
ENTRYPOINT ["/usr/local/bin/notejam"]
CMD ["serve"]
