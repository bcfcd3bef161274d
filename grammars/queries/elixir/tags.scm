; Elixir definitions: modules, protocols, implementations, functions, macros, guards,
; structs-by-module. The call target is a private capture (`@_kw`): an `@ignore` capture
; would drop the whole match.

(call
  target: (identifier) @_kw
  (arguments . (alias) @name)
  (#any-of? @_kw "defmodule" "defprotocol")) @definition.module

(call
  target: (identifier) @_kw
  (arguments
    .
    [
      (identifier) @name
      (call target: (identifier) @name)
      (binary_operator
        left: (call target: (identifier) @name)
        operator: "when")
      (binary_operator
        left: (identifier) @name
        operator: "when")
    ])
  (#any-of? @_kw "def" "defp" "defdelegate" "defn" "defnp")) @definition.function

(call
  target: (identifier) @_kw
  (arguments
    .
    [
      (identifier) @name
      (call target: (identifier) @name)
      (binary_operator
        left: (call target: (identifier) @name)
        operator: "when")
    ])
  (#any-of? @_kw "defmacro" "defmacrop" "defguard" "defguardp")) @definition.macro
