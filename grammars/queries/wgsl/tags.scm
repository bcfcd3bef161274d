; WGSL definitions: functions, structs and members, module-scope variables and constants,
; type aliases.

(function_declaration name: (identifier) @name) @definition.function
(struct_declaration name: (identifier) @name) @definition.struct
(struct_member (variable_identifier_declaration name: (identifier) @name)) @definition.field
(global_variable_declaration (variable_declaration (variable_identifier_declaration name: (identifier) @name))) @definition.variable
(global_constant_declaration (identifier) @name) @definition.constant
(global_constant_declaration (variable_identifier_declaration name: (identifier) @name)) @definition.constant
(type_alias_declaration . (identifier) @name) @definition.type_alias
