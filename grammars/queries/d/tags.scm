; D definitions: module, classes, structs, interfaces, unions, enums and members,
; functions, constructors and destructors, templates, aliases.

(module_def (module_declaration (module_fqn) @name)) @definition.module
(class_declaration (class) . (identifier) @name) @definition.class
(struct_declaration (struct) . (identifier) @name) @definition.struct
(interface_declaration (interface) . (identifier) @name) @definition.interface
(union_declaration (union) . (identifier) @name) @definition.struct
(enum_declaration (enum) . (identifier) @name) @definition.enum
(enum_declaration (enum_member . (identifier) @name)) @definition.enum_member
(anonymous_enum_declaration (enum_member . (identifier) @name)) @definition.constant
(constructor (this) @name) @definition.constructor
(destructor (this) @name) @definition.method
(function_declaration (identifier) @name) @definition.function
(template_declaration (template) . (identifier) @name) @definition.class
(mixin_template_declaration (template_declaration (template) . (identifier) @name)) @definition.class
