#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/ (ours, small).

Run from anywhere: `python3 fuzz/make_seeds.py`. The committed corpora are these seeds after
`cargo fuzz cmin` (see docs/reliability.md, "Fuzzing").
"""
import hashlib
import json
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))

# Index into CORE in fuzz_targets/common.rs.
CORE = ["python", "c", "rust", "go", "java", "javascript", "json", "bash", "toml"]
SOURCES = {
    "python": "def f(x):\n    return [y for y in x if y]\n\nclass C(B):\n    '''doc'''\n    def m(self): pass\n",
    "c": "#include <stdio.h>\nint main(void) { printf(\"%d\\n\", 1); return 0 }\n",
    "rust": "fn main() {\n    let v: Vec<u8> = vec![1, 2];\n    println!(\"{v:?}\");\n}\nimpl T for S {}\n",
    "go": "package main\n\nfunc main() {\n\tx := []int{1, 2}\n\t_ = x\n}\n",
    "java": "class A { int f(int x) { return x + 1; } }\n",
    "javascript": "const f = (a) => a?.b ?? `t${a}`;\nclass K extends L { m() {} }\n",
    "json": "{\"a\": [1, 2.5e3, true, null], \"b\": {\"c\": \"\\u00e9\"}}\n",
    "bash": "for f in *.txt; do echo \"$f\" | wc -l; done\nx=$(( 1 + 2 ))\n",
    "toml": "[server]\nlisten = \"127.0.0.1:7878\"\n[[a.b]]\nx = [1, 2]\n",
}
BROKEN = {
    "python": "def f(:\n  return\n",
    "rust": "fn main( { let = ; }",
    "json": "{\"a\": [1, 2,, }",
    "c": "int f( { return }",
}


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def decode_seeds():
    for i, lang in enumerate(CORE):
        src = SOURCES[lang].encode()
        write("decode", f"clean-{lang}", bytes([2, i, 0]) + src)
        # One flip in the header area, one in the body.
        write("decode", f"flip-{lang}", bytes([2, i, 2]) + struct.pack("<HB", 40, 0x10) + struct.pack("<HB", 90, 0x01) + src)
    for lang, src in BROKEN.items():
        write("decode", f"broken-{lang}", bytes([2, CORE.index(lang), 0]) + src.encode())
    # Raw and fixed-up modes: a hand-made header with an empty language and a tiny body.
    header = b"SXBC" + struct.pack("<H", 1) + struct.pack("<H", 6) + b"python" + struct.pack("<H", 6) + b"0.25.0"
    header += struct.pack("<QQIQI", 3, 0, 1, 2, 0)
    write("decode", "raw-header", bytes([0]) + header + b"\x01\x00")
    write("decode", "fixed-header", bytes([1]) + header + b"\x01\x00\x00\x04")


def envelope(payload, codec=0, version=1):
    head = b"SXDE" + bytes([1, codec]) + struct.pack("<HII", version, len(payload), len(payload))
    crc = zlib.crc32(head + payload) & 0xFFFFFFFF
    return head + struct.pack("<I", crc) + payload


def entry_payload(lang, src, bytecode=b"", symbols=None):
    out = struct.pack("<H", len(lang)) + lang.encode()
    out += struct.pack("<H", 6) + b"0.25.0" + struct.pack("<H", 1)
    # The content hash is xxh3-128, not in the standard library: a wrong one still exercises
    # every length check before the hash comparison.
    out += hashlib.blake2b(src, digest_size=16).digest()
    out += struct.pack("<I", len(src)) + src + struct.pack("<I", len(bytecode)) + bytecode
    if symbols is None:
        out += b"\x00"
    else:
        out += b"\x01" + struct.pack("<I", len(symbols)) + symbols
    return out


def cache_entry_seeds():
    for i, lang in enumerate(CORE):
        src = SOURCES[lang].encode()
        for codec in range(3):
            write("cache_entry", f"roundtrip-{lang}-{codec}", bytes([2, codec | (0x80 if i % 2 else 0), i]) + src)
    for lang in ["python", "json"]:
        p = entry_payload(lang, SOURCES[lang].encode(), b"SXBC\x01\x00", b'{"symbols":[]}')
        write("cache_entry", f"sealed-{lang}", bytes([0]) + envelope(p))
        write("cache_entry", f"fixup-{lang}", bytes([1]) + envelope(p))
        write("cache_entry", f"fixup-lz4-{lang}", bytes([1]) + envelope(p, codec=1))
    write("cache_entry", "future-version", bytes([1]) + envelope(b"x", version=2))


HTTP = [
    # (route selector, body)
    (0, {"content": SOURCES["python"], "language": "python", "format": "json"}),
    (0, {"content": SOURCES["rust"], "path": "src/main.rs", "format": "sexp"}),
    (0, {"content": BROKEN["json"], "path": "a.json"}),
    (0, {"content": "x", "path": "a.b.c.d.e.f.g.h.py"}),
    (0, {"content": "print(1)", "language": "nope"}),
    (1, {"content": SOURCES["python"], "path": "m.py"}),
    (1, {"content": SOURCES["java"], "language": "java"}),
    (1, {"document": "fz"}),
    (1, {"content": "x", "document": "fz"}),
    (2, {"query": "(function_definition name: (identifier) @name)", "language": "python", "content": SOURCES["python"]}),
    (2, {"query": "((identifier) @i (#match? @i \"^[a-z]+$\"))", "document": "fz", "limit": 3}),
    (2, {"query": "(_) @a", "language": "json", "content": SOURCES["json"]}),
    (2, {"query": "(((", "language": "c", "content": "int x;"}),
    (2, {"query": "((identifier) @x (#eq? @x \"f\") (#not-eq? @x @x))", "path": "a.go", "content": SOURCES["go"]}),
    (3, {"content": SOURCES["javascript"], "language": "javascript"}),
    (3, {"content": SOURCES["toml"], "path": "Cargo.toml"}),
    (3, {"content": "", "language": "bash"}),
    (4, {"version": 2, "edits": [{"start": {"row": 1, "column": 4}, "end": {"row": 1, "column": 10}, "text": "yield"}]}),
    (4, {"version": 2, "encoding": "utf-16", "edits": [{"start": {"row": 1, "column": 13}, "end": {"row": 1, "column": 15}, "text": "ü"}]}),
    (11, {"version": 3, "encoding": "utf-16", "edits": [{"start": {"row": 1, "column": 14}, "end": {"row": 1, "column": 16}, "text": ""}, {"start": {"row": 0, "column": 0}, "end": {"row": 0, "column": 0}, "text": "// x\n"}]}),
    (18, {"version": 5, "edits": [{"start": {"row": 0, "column": 10}, "end": {"row": 0, "column": 12}, "text": "é"}]}),
    (4, {"version": 1, "edits": []}),
    (4, {"version": 2, "edits": [{"start": {"row": 9, "column": 0}, "end": {"row": 0, "column": 0}, "text": "x"}]}),
]


def http_seeds():
    for n, (sel, body) in enumerate(HTTP):
        write("http", f"route{sel % 7}-{n:02}", bytes([sel]) + json.dumps(body, ensure_ascii=False).encode())
    write("http", "tree-json", bytes([5]) + b"format=json")
    write("http", "tree-sexp", bytes([5]) + b"format=sexp")
    write("http", "tree-bad", bytes([5]) + b"format=xml&x=%ff")
    write("http", "any-get", bytes([6]) + b"GET /v1/documents/fz")
    write("http", "any-delete", bytes([6]) + b"DELETE /v1/documents/zz")
    write("http", "any-languages", bytes([6]) + b"GET /v1/languages")
    write("http", "any-pct-id", bytes([6]) + b"PUT /v1/documents/%C3%A9%2F\n" + json.dumps({"content": "x=1", "language": "python"}).encode())
    write("http", "any-bad-pct", bytes([6]) + b"GET /v1/documents/%ff%fe/tree")
    write("http", "bad-json", bytes([0]) + b'{"content": "x", "language": ')
    write("http", "unknown-field", bytes([0]) + b'{"content": "x", "language": "python", "extra": 1}')


if __name__ == "__main__":
    decode_seeds()
    cache_entry_seeds()
    http_seeds()
