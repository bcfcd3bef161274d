#!/usr/bin/env bash
# Builds the release artefacts of syntaxd VERSION into dist/:
#   dist/syntaxd-VERSION-TARGET.tar.gz   binary, README.md, LICENSE-MIT, LICENSE-APACHE, NOTICES,
#                                        LANGUAGE_INVENTORY.md, sbom.cdx.json
#   dist/syntaxd-VERSION-TARGET.cdx.json CycloneDX 1.5 SBOM (from `cargo metadata`: the crates
#                                        compiled into that target's binary, with licences and
#                                        crates.io checksums)
#   dist/SHA256SUMS                      sha256 of every file above
#
# usage: scripts/release.sh VERSION            (VERSION must equal Cargo.toml's version)
# env:   TARGETS="x86_64-unknown-linux-gnu …"  (default: the host target; each must be installed
#                                              with `rustup target add` and have a linker)
#        FEATURES=all-langs                    (cargo features of the release build)
#        CARGO_TARGET_DIR                      (default: target)
set -euo pipefail
cd "$(dirname "$0")/.."

version=${1:?usage: scripts/release.sh VERSION}
crate_version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
if [ "$version" != "$crate_version" ]; then
  echo "release.sh: VERSION $version differs from Cargo.toml's version $crate_version" >&2
  exit 2
fi
host=$(rustc -vV | sed -n 's/^host: //p')
targets=${TARGETS:-$host}
features=${FEATURES:-all-langs}
target_dir=${CARGO_TARGET_DIR:-target}
for f in README.md LICENSE-MIT LICENSE-APACHE NOTICES LANGUAGE_INVENTORY.md; do
  [ -f "$f" ] || { echo "release.sh: $f is missing" >&2; exit 1; }
done
python=$(command -v python3 || command -v python) ||
  { echo "release.sh: python3 is needed for the SBOM" >&2; exit 1; }
if command -v sha256sum >/dev/null; then sha256=(sha256sum); else sha256=(shasum -a 256); fi

rm -rf dist
mkdir -p dist

# The SBOM of one target: every package reachable from syntaxd through normal (not dev, not
# build) dependencies with the release features, on that target's platform.
write_sbom() {  # write_sbom TARGET OUT
cargo metadata --format-version 1 --locked --features "$features" --no-default-features \
    --filter-platform "$1" > dist/metadata.json
"$python" - "$version" dist/metadata.json Cargo.lock "$2" <<'PY'
import datetime, json, re, sys, urllib.parse, uuid
version, metadata_path, lock_path, out_path = sys.argv[1:]
# Crates whose manifest has only a licence file: the SPDX expression we read from it (the same
# clarification as deny.toml's [[licenses.clarify]]).
CLARIFIED = {"tree-sitter-newick": "CECILL-C"}
meta = json.load(open(metadata_path))
checksums = {}
for block in open(lock_path).read().split("[[package]]")[1:]:
    name = re.search(r'^name = "(.*)"$', block, re.M)
    ver = re.search(r'^version = "(.*)"$', block, re.M)
    ck = re.search(r'^checksum = "(.*)"$', block, re.M)
    if name and ver and ck:
        checksums[(name.group(1), ver.group(1))] = ck.group(1)
packages = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
root = meta["resolve"]["root"]
def normal_deps(node):
    return sorted({d["pkg"] for d in node["deps"]
                   if any(k["kind"] is None for k in d["dep_kinds"])})
seen, stack = set(), [root]
while stack:
    pid = stack.pop()
    if pid in seen:
        continue
    seen.add(pid)
    stack.extend(normal_deps(nodes[pid]))
def ref(pid):
    p = packages[pid]
    return f"pkg:cargo/{p['name']}@{urllib.parse.quote(p['version'], safe='')}"
def component(pid):
    p = packages[pid]
    c = {"type": "library", "bom-ref": ref(pid), "name": p["name"], "version": p["version"],
         "purl": ref(pid)}
    if p.get("license"):
        c["licenses"] = [{"expression": p["license"]}]
    elif p["name"] in CLARIFIED:
        c["licenses"] = [{"expression": CLARIFIED[p["name"]]}]
    elif p.get("license_file"):
        c["licenses"] = [{"license": {"name": "see " + p["license_file"] + " in the crate"}}]
    ck = checksums.get((p["name"], p["version"]))
    if ck:
        c["hashes"] = [{"alg": "SHA-256", "content": ck}]
    if p.get("repository"):
        c["externalReferences"] = [{"type": "vcs", "url": p["repository"]}]
    return c
root_pkg = packages[root]
bom = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.5",
    "serialNumber": f"urn:uuid:{uuid.uuid4()}",
    "version": 1,
    "metadata": {
        "timestamp": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tools": [{"name": "scripts/release.sh (cargo metadata)"}],
        "component": {"type": "application", "bom-ref": ref(root), "name": root_pkg["name"],
                      "version": version, "purl": ref(root),
                      "licenses": [{"expression": root_pkg["license"]}]},
    },
    "components": [component(pid) for pid in sorted(seen - {root}, key=ref)],
    "dependencies": [{"ref": ref(pid), "dependsOn": [ref(d) for d in normal_deps(nodes[pid])]}
                     for pid in sorted(seen, key=ref)],
}
json.dump(bom, open(out_path, "w"), indent=2)
print(f"sbom: {len(bom['components'])} components -> {out_path}")
PY
rm dist/metadata.json
}

for target in $targets; do
  cargo build --release --locked --no-default-features --features "$features" \
      --target "$target" --bin syntaxd
  exe=syntaxd
  case $target in *windows*) exe=syntaxd.exe ;; esac
  name=syntaxd-$version-$target
  sbom=dist/$name.cdx.json
  write_sbom "$target" "$sbom"
  stage=dist/$name
  mkdir -p "$stage"
  cp "$target_dir/$target/release/$exe" "$stage/"
  cp README.md LICENSE-MIT LICENSE-APACHE NOTICES LANGUAGE_INVENTORY.md "$stage/"
  cp "$sbom" "$stage/sbom.cdx.json"
  tar -C dist -czf "dist/$name.tar.gz" "$name"
  rm -rf "$stage"
  echo "built dist/$name.tar.gz"
done

(cd dist && "${sha256[@]}" -- *.tar.gz *.cdx.json > SHA256SUMS)
cat dist/SHA256SUMS
