; Zig definitions: functions, and `const`/`var` declarations (containers declared with
; `const Name = struct {..}` are structs, enums, unions).

(struct_declaration (function_declaration name: (identifier) @name) @definition.method)
(function_declaration name: (identifier) @name) @definition.function
(variable_declaration (identifier) @name (struct_declaration)) @definition.struct
(variable_declaration (identifier) @name (enum_declaration)) @definition.enum
(variable_declaration (identifier) @name (union_declaration)) @definition.struct
(variable_declaration (identifier) @name (opaque_declaration)) @definition.struct
(source_file (variable_declaration (identifier) @name) @definition.constant)
(test_declaration [(string) (identifier)] @name) @definition.function
(container_field name: (identifier) @name) @definition.field
