; Verilog definitions: modules, functions, tasks, and (for SystemVerilog sources parsed as
; Verilog) interfaces, packages and classes.

(module_declaration (module_header (simple_identifier) @name)) @definition.module
(module_declaration (module_header (escaped_identifier) @name)) @definition.module
(function_declaration (function_body_declaration (function_identifier (simple_identifier) @name))) @definition.function
(task_declaration (task_body_declaration (task_identifier (simple_identifier) @name))) @definition.function
(interface_declaration (interface_ansi_header (interface_identifier (simple_identifier) @name))) @definition.interface
(package_declaration (package_identifier (simple_identifier) @name)) @definition.package
(class_declaration (class_identifier (simple_identifier) @name)) @definition.class
