# syntaxd container image: build on the official Rust image, run on slim Debian as a
# non-root user. The cache lives on a volume; config/container.toml listens on 0.0.0.0:7878 and
# reads the bearer token of /v1 from the secret file /run/secrets/syntaxd_token (without it the
# daemon refuses to start rather than serve /v1 unauthenticated).
#
#   docker build -t syntaxd .
#   head -c 32 /dev/urandom | base64 > syntaxd_token
#   docker run -p 7878:7878 -v syntaxd-cache:/var/cache/syntaxd \
#     -v "$PWD/syntaxd_token:/run/secrets/syntaxd_token:ro" syntaxd

FROM rust:1.90-bookworm AS build
WORKDIR /src
COPY . .
# Grammars are C code: the Rust image ships gcc/g++ and make.
RUN cargo build --release --locked --bin syntaxd \
 && install -D -m 0755 target/release/syntaxd /out/syntaxd

FROM debian:bookworm-slim
RUN groupadd --system --gid 10001 syntaxd \
 && useradd --system --uid 10001 --gid syntaxd --home-dir /nonexistent --shell /usr/sbin/nologin syntaxd \
 && install -d -o syntaxd -g syntaxd -m 0750 /var/cache/syntaxd
COPY --from=build /out/syntaxd /usr/local/bin/syntaxd
COPY config/container.toml /etc/syntaxd/syntaxd.toml
USER syntaxd:syntaxd
VOLUME /var/cache/syntaxd
EXPOSE 7878
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["syntaxd", "health", "--url", "http://127.0.0.1:7878/healthz"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["syntaxd"]
CMD ["serve", "--config", "/etc/syntaxd/syntaxd.toml"]
