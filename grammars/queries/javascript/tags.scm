; Definitions in JavaScript (also inherited by TypeScript and TSX: node names used here exist
; in all three grammars). Kinds are syntaxd's normalised kinds (docs/symbols.md).

(class_declaration name: (_) @name) @definition.class
(class name: (_) @name) @definition.class

(method_definition
  name: (property_identifier) @name
  (#eq? @name "constructor")) @definition.constructor

(method_definition
  name: [(property_identifier) (private_property_identifier) (string) (number) (computed_property_name)] @name
  (#not-eq? @name "constructor")) @definition.method

[
  (function_declaration name: (identifier) @name)
  (generator_function_declaration name: (identifier) @name)
  (function_expression name: (identifier) @name)
  (generator_function name: (identifier) @name)
] @definition.function

(lexical_declaration
  (variable_declarator
    name: (identifier) @name
    value: [(arrow_function) (function_expression) (generator_function)]) @definition.function)

(variable_declaration
  (variable_declarator
    name: (identifier) @name
    value: [(arrow_function) (function_expression) (generator_function)]) @definition.function)

(lexical_declaration
  (variable_declarator
    name: (identifier) @name
    value: (class)) @definition.class)

(assignment_expression
  left: (identifier) @name
  right: [(arrow_function) (function_expression) (generator_function)]) @definition.function

(assignment_expression
  left: (member_expression property: (property_identifier) @name)
  right: [(arrow_function) (function_expression) (generator_function)]) @definition.method

(pair
  key: [(property_identifier) (string) (computed_property_name)] @name
  value: [(arrow_function) (function_expression) (generator_function)]) @definition.method

(program
  (lexical_declaration
    kind: "const"
    (variable_declarator
      name: (identifier) @name
      value: [(number) (string) (template_string) (true) (false) (null) (regex) (call_expression) (new_expression) (binary_expression) (member_expression) (identifier) (array)]) @definition.constant))

(program
  (export_statement
    declaration: (lexical_declaration
      kind: "const"
      (variable_declarator
        name: (identifier) @name
        value: [(number) (string) (template_string) (true) (false) (null) (regex) (call_expression) (new_expression) (binary_expression) (member_expression) (identifier) (array)]) @definition.constant)))
