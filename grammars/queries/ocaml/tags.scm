; OCaml definitions: top-level and module-level `let` (functions when they take parameters),
; types, constructors, record fields, modules, module types, classes, methods, exceptions,
; externals.

(compilation_unit (value_definition (let_binding pattern: (value_name) @name (parameter)) @definition.function))
(compilation_unit (value_definition (let_binding pattern: (value_name) @name body: (fun_expression)) @definition.function))
(structure (value_definition (let_binding pattern: (value_name) @name (parameter)) @definition.function))
(structure (value_definition (let_binding pattern: (value_name) @name body: (fun_expression)) @definition.function))
(compilation_unit (value_definition (let_binding pattern: (value_name) @name) @definition.variable))
(structure (value_definition (let_binding pattern: (value_name) @name) @definition.variable))
(type_definition (type_binding name: (type_constructor) @name)) @definition.type_alias
(exception_definition (constructor_declaration (constructor_name) @name)) @definition.class
(constructor_declaration (constructor_name) @name) @definition.enum_member
(field_declaration (field_name) @name) @definition.field
(module_definition (module_binding (module_name) @name)) @definition.module
(module_type_definition (module_type_name) @name) @definition.interface
(class_definition (class_binding (class_name) @name)) @definition.class
(method_definition (method_name) @name) @definition.method
(external (value_name) @name) @definition.function
(value_specification (value_name) @name) @definition.function
