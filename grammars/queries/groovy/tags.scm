; Groovy definitions.

(package_declaration name: (qualified_name) @name) @definition.package
(class_declaration name: (identifier) @name) @definition.class
(interface_declaration name: (identifier) @name) @definition.interface
(trait_declaration name: (identifier) @name) @definition.interface
(annotation_type_declaration name: (identifier) @name) @definition.interface
(enum_declaration name: (identifier) @name) @definition.enum
(record_declaration name: (identifier) @name) @definition.class
(constructor_declaration name: (identifier) @name) @definition.constructor
(class_body (method_declaration name: (_) @name) @definition.method)
(method_declaration name: (_) @name) @definition.function
(field_declaration (variable_declarator name: (identifier) @name)) @definition.field
