#!/usr/bin/env bash
set -euo pipefail

readonly BACKUP_DIR="${HOME}/backups"
KEEP=5

log() {
  printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

rotate() {
  local dir="$1"
  local count
  count=$(ls -1 "$dir" | wc -l)
  if (( count > KEEP )); then
    ls -1t "$dir" | tail -n +"$((KEEP + 1))" | while read -r old; do
      log "removing $old"
      rm -f -- "$dir/$old"
    done
  fi
}

mkdir -p "$BACKUP_DIR"
for src in "$@"; do
  case "$src" in
    *.tar.gz) log "skipping archive $src" ;;
    *) tar czf "$BACKUP_DIR/$(basename "$src")-$(date +%s).tar.gz" "$src" ;;
  esac
done
rotate "$BACKUP_DIR"
