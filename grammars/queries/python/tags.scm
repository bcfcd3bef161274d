; Python definitions. A function directly in a class body is a method; decorated
; definitions are found through their `decorated_definition`.

(class_definition
  body: (block
    [
      (function_definition name: (identifier) @name) @definition.method
      (decorated_definition definition: (function_definition name: (identifier) @name) @definition.method)
    ]))

; A lambda bound to a name is a function (`H = lambda x: ...`), wherever it is; in a chain
; (`a = b = lambda: ..`) the last name is (the first is a variable, by the patterns below).
; Rooted at the assignment, not its statement: the query then runs at assignments only, not
; at every call and docstring statement (the two span the same bytes).
(assignment left: (identifier) @name right: (lambda)) @definition.function

(class_definition name: (identifier) @name) @definition.class

(function_definition name: (identifier) @name) @definition.function

(class_definition
  body: (block
    (expression_statement
      (assignment left: (identifier) @name) @definition.field)))

(module
  (expression_statement
    (assignment left: (identifier) @name) @definition.constant)
  (#match? @name "^_*[A-Z][A-Z0-9_]*$"))

(module
  (expression_statement
    (assignment left: (identifier) @name) @definition.variable))

(module
  (expression_statement
    (assignment
      left: (pattern_list (identifier) @name)) @definition.variable))
