; Elm definitions: module, functions and values, type annotations' ports, custom types with
; their variants, type aliases.

(module_declaration name: (upper_case_qid) @name) @definition.module
(value_declaration (function_declaration_left . (lower_case_identifier) @name)) @definition.function
(port_annotation name: (lower_case_identifier) @name) @definition.function
(type_declaration name: (upper_case_identifier) @name) @definition.enum
(union_variant name: (upper_case_identifier) @name) @definition.enum_member
(type_alias_declaration name: (upper_case_identifier) @name) @definition.type_alias
