; Gleam definitions: functions, external functions, custom types and their constructors,
; type aliases, constants.

(function name: (identifier) @name) @definition.function
(external_function name: (identifier) @name) @definition.function
(type_definition (type_name name: (_) @name)) @definition.enum
(data_constructor name: (constructor_name) @name) @definition.enum_member
(type_alias (type_name name: (_) @name)) @definition.type_alias
(constant name: (identifier) @name) @definition.constant
