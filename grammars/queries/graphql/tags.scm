; GraphQL definitions: types, interfaces, enums, inputs, unions, scalars, directives,
; operations, fragments, fields and enum values.

(object_type_definition (name) @name) @definition.class
(interface_type_definition (name) @name) @definition.interface
(enum_type_definition (name) @name) @definition.enum
(input_object_type_definition (name) @name) @definition.struct
(union_type_definition (name) @name) @definition.type_alias
(scalar_type_definition (name) @name) @definition.type_alias
(directive_definition (name) @name) @definition.function
(operation_definition (name) @name) @definition.function
(fragment_definition (fragment_name (name) @name)) @definition.function
(field_definition (name) @name) @definition.field
(enum_value_definition (enum_value (name) @name)) @definition.enum_member
