; VB.NET definitions: namespaces, classes, modules, structures, interfaces, enums and
; members, methods (Sub/Function), constructors, properties, events, delegates, fields.

(namespace_block name: (namespace_name) @name) @definition.namespace
(class_block name: (identifier) @name) @definition.class
(module_block name: (identifier) @name) @definition.module
(structure_block name: (identifier) @name) @definition.struct
(interface_block name: (identifier) @name) @definition.interface
(enum_block name: (identifier) @name) @definition.enum
(enum_member name: (identifier) @name) @definition.enum_member
(method_declaration name: (identifier) @name) @definition.method
(property_declaration name: (identifier) @name) @definition.property
(event_declaration name: (identifier) @name) @definition.event
(delegate_declaration name: (identifier) @name) @definition.type_alias
(field_declaration (variable_declarator (identifier) @name)) @definition.field
