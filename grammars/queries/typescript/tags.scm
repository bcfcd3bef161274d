; inherits: javascript
; TypeScript definitions on top of JavaScript's.

(abstract_class_declaration name: (_) @name) @definition.class
(interface_declaration name: (_) @name) @definition.interface
(type_alias_declaration name: (_) @name) @definition.type_alias
(enum_declaration name: (_) @name) @definition.enum
(function_signature name: (_) @name) @definition.function

(method_signature
  name: [(property_identifier) (private_property_identifier) (string) (number) (computed_property_name)] @name) @definition.method
(abstract_method_signature
  name: [(property_identifier) (private_property_identifier) (string) (number) (computed_property_name)] @name) @definition.method

(public_field_definition
  name: (_) @name
  value: [(arrow_function) (function_expression)]) @definition.method

(module name: (_) @name) @definition.module
(internal_module name: (_) @name) @definition.namespace
