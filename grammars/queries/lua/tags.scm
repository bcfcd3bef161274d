; Lua definitions: global, local and table functions (`function M.f()`, `function M:m()`),
; functions assigned to names or fields.

(function_declaration name: (method_index_expression method: (identifier) @name)) @definition.method
(function_declaration name: (dot_index_expression field: (identifier) @name)) @definition.function
(function_declaration name: (identifier) @name) @definition.function
(assignment_statement
  (variable_list . name: [(identifier) @name (dot_index_expression field: (identifier) @name)])
  (expression_list . value: (function_definition))) @definition.function
(field name: (identifier) @name value: (function_definition)) @definition.function
