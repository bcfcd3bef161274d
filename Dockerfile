# syntaxd container image: build on the official Rust image, run on slim Debian as a
# non-root user. The cache lives on a volume; config/container.toml listens on 0.0.0.0:7878.
#
#   docker build -t syntaxd .
#   docker run -p 7878:7878 -v syntaxd-cache:/var/cache/syntaxd syntaxd

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
