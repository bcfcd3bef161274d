; GDScript definitions: the script's class name, inner classes, functions, constructors,
; signals, enums and their members, constants and member variables.

(class_name_statement name: (name) @name) @definition.class
(class_definition name: (name) @name) @definition.class
(function_definition name: (name) @name) @definition.method
(constructor_definition "_init" @name) @definition.constructor
(signal_statement name: (name) @name) @definition.event
(enum_definition name: (name) @name) @definition.enum
(enumerator left: (identifier) @name) @definition.enum_member
(const_statement name: (name) @name) @definition.constant
(source (variable_statement name: (name) @name) @definition.field)
(class_definition body: (class_body (variable_statement name: (name) @name) @definition.field))
