; Dart definitions: classes, mixins, extensions, enums with values, typedefs, top-level
; functions, methods, constructors, getters and setters.

(class_declaration name: (identifier) @name) @definition.class
(mixin_declaration name: (identifier) @name) @definition.class
(extension_declaration name: (identifier) @name) @definition.class
(extension_type_declaration name: (_) @name) @definition.class
(enum_declaration name: (identifier) @name) @definition.enum
(enum_entry name: (identifier) @name) @definition.enum_member
(type_alias (type_identifier) @name) @definition.type_alias

(method_signature (constructor_signature name: (identifier) @name)) @definition.constructor
(method_signature (factory_constructor_signature name: (identifier) @name)) @definition.constructor
(declaration (constructor_signature name: (identifier) @name)) @definition.constructor
(declaration (constant_constructor_signature name: (identifier) @name)) @definition.constructor
(declaration (factory_constructor_signature name: (identifier) @name)) @definition.constructor
(declaration (redirecting_factory_constructor_signature name: (identifier) @name)) @definition.constructor
(method_signature (function_signature name: (identifier) @name)) @definition.method
(method_signature (getter_signature name: (identifier) @name)) @definition.property
(method_signature (setter_signature name: (identifier) @name)) @definition.property
(declaration (function_signature name: (identifier) @name)) @definition.method
(declaration (getter_signature name: (identifier) @name)) @definition.property
(function_declaration signature: (function_signature name: (identifier) @name)) @definition.function
