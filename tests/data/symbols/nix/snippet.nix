# Development shell for the project.
{ pkgs ? import <nixpkgs> { }, withDocs ? false }:

let
  rustTools = with pkgs; [ cargo rustc clippy rustfmt ];
  docTools = if withDocs then [ pkgs.mdbook ] else [ ];
in
pkgs.mkShell {
  name = "syntaxd-dev";
  buildInputs = rustTools ++ docTools ++ [ pkgs.pkg-config ];
  RUST_LOG = "debug";
  shellHook = ''
    echo "syntaxd shell ready"
  '';
  passthru.version = builtins.substring 0 5 "0.3.1-dev";
}
