; Solidity definitions: contracts, interfaces, libraries, functions, modifiers, events,
; errors, structs, enums and values, user-defined types, state variables, constructors.

(contract_declaration name: (identifier) @name) @definition.class
(interface_declaration name: (identifier) @name) @definition.interface
(library_declaration name: (identifier) @name) @definition.module
(contract_body (function_definition name: (identifier) @name) @definition.method)
(function_definition name: (identifier) @name) @definition.function
(constructor_definition "constructor" @name) @definition.constructor
(modifier_definition name: (identifier) @name) @definition.function
(event_definition name: (identifier) @name) @definition.event
(error_declaration name: (identifier) @name) @definition.class
(struct_declaration name: (identifier) @name) @definition.struct
(enum_declaration name: (identifier) @name) @definition.enum
(enum_value) @name @definition.enum_member
(user_defined_type_definition name: (identifier) @name) @definition.type_alias
(state_variable_declaration name: (identifier) @name) @definition.field
