"""Build macros for syntaxd grammars."""

load("@rules_rust//rust:defs.bzl", "rust_library", "rust_test")

GRAMMARS = ["rust", "python", "go"]

def grammar_library(name, grammar, deps = []):
    """Declares a library wrapping one tree-sitter grammar."""
    rust_library(
        name = name,
        srcs = ["src/%s.rs" % grammar],
        deps = deps + ["//core:syntaxd"],
        visibility = ["//visibility:public"],
    )
    if grammar != "rust":
        rust_test(
            name = name + "_test",
            crate = ":" + name,
        )

def all_grammars():
    for g in GRAMMARS:
        grammar_library(name = "grammar_" + g, grammar = g)
