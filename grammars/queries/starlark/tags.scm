; Starlark (Bazel) definitions: functions, top-level assignments, and rule targets
; (`cc_library(name = "x", ...)`).

(function_definition name: (identifier) @name) @definition.function
(module (expression_statement (assignment left: (identifier) @name) @definition.variable))
(module
  (expression_statement
    (call
      function: (identifier)
      arguments: (argument_list
        (keyword_argument
          name: (identifier) @_key
          value: (string (string_content) @name)))) @definition.target)
  (#eq? @_key "name"))
