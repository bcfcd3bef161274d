# syntax=docker/dockerfile:1
FROM rust:1.79-slim AS builder
ARG FEATURES=all-langs
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
RUN cargo build --release --features "${FEATURES}" \
    && strip target/release/syntaxd

FROM debian:bookworm-slim
LABEL org.opencontainers.image.title="syntaxd"
ENV RUST_LOG=info
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=builder /src/target/release/syntaxd /usr/local/bin/syntaxd
USER nobody
EXPOSE 7070
HEALTHCHECK CMD ["syntaxd", "languages"]
ENTRYPOINT ["syntaxd"]
CMD ["serve", "--port", "7070"]
