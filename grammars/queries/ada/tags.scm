; Ada definitions: packages, subprograms (bodies and specifications), types, tasks,
; protected types.

(package_declaration name: (_) @name) @definition.package
(package_body name: (_) @name) @definition.package
(subprogram_body (procedure_specification name: (_) @name)) @definition.function
(subprogram_body (function_specification name: (_) @name)) @definition.function
(subprogram_declaration (procedure_specification name: (_) @name)) @definition.function
(subprogram_declaration (function_specification name: (_) @name)) @definition.function
(expression_function_declaration (function_specification name: (_) @name)) @definition.function
(full_type_declaration . (identifier) @name (record_type_definition)) @definition.struct
(full_type_declaration . (identifier) @name (enumeration_type_definition)) @definition.enum
(full_type_declaration . (identifier) @name) @definition.type_alias
(subtype_declaration . (identifier) @name) @definition.type_alias
(task_type_declaration . (identifier) @name) @definition.class
(protected_type_declaration . (identifier) @name) @definition.class
