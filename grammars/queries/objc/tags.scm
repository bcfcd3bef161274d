; inherits: c
; Objective-C definitions on top of C's: interfaces, implementations, categories, protocols,
; methods (named by their first selector part), properties.

(class_interface . (identifier) @name) @definition.interface
(class_implementation . (identifier) @name) @definition.class
(protocol_declaration . (identifier) @name) @definition.interface
(method_definition . [(method_type) (attribute_specifier)]* . (identifier) @name) @definition.method
(method_declaration . [(method_type) (attribute_specifier)]* . (identifier) @name) @definition.method
