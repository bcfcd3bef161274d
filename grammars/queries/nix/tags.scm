; Nix definitions: attribute bindings (`name = value;`), named by their first path element,
; and `let` bindings.

(binding attrpath: (attrpath . attr: (identifier) @name) expression: (function_expression)) @definition.function
(binding attrpath: (attrpath . attr: (identifier) @name)) @definition.property
