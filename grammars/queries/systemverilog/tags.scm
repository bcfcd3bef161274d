; SystemVerilog definitions: modules, interfaces, programs, packages, classes, functions,
; tasks, typedefs.

(module_declaration name: (_) @name) @definition.module
(module_declaration (module_ansi_header name: (_) @name)) @definition.module
(module_declaration (module_nonansi_header name: (_) @name)) @definition.module
(interface_declaration name: (_) @name) @definition.interface
(interface_declaration (interface_ansi_header name: (_) @name)) @definition.interface
(program_declaration name: (_) @name) @definition.module
(program_declaration (program_ansi_header name: (_) @name)) @definition.module
(program_declaration (program_nonansi_header name: (_) @name)) @definition.module
(interface_declaration (interface_nonansi_header name: (_) @name)) @definition.interface
(class_constructor_declaration "new" @name) @definition.constructor
(enum_name_declaration (simple_identifier) @name) @definition.enum_member
(package_declaration name: (_) @name) @definition.package
(class_declaration name: (_) @name) @definition.class
(class_method (function_declaration (function_body_declaration name: (_) @name))) @definition.method
(class_method (task_declaration (task_body_declaration name: (_) @name))) @definition.method
(function_declaration (function_body_declaration name: (_) @name)) @definition.function
(task_declaration (task_body_declaration name: (_) @name)) @definition.function
(type_declaration type_name: (_) @name) @definition.type_alias
