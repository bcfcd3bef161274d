; VHDL definitions: entities, architectures, packages (and bodies), components, subprograms,
; types, processes with labels.

(entity_declaration entity: (_) @name) @definition.module
(architecture_definition architecture: (_) @name) @definition.module
(package_declaration package: (_) @name) @definition.package
(package_definition package: (_) @name) @definition.package
(component_declaration component: (_) @name) @definition.interface
(subprogram_definition (function_specification function: (_) @name)) @definition.function
(subprogram_definition (procedure_specification procedure: (_) @name)) @definition.function
(subprogram_declaration (function_specification function: (_) @name)) @definition.function
(subprogram_declaration (procedure_specification procedure: (_) @name)) @definition.function
(type_declaration type: (_) @name (record_type_definition)) @definition.struct
(type_declaration type: (_) @name (enumeration_type_definition)) @definition.enum
(type_declaration type: (_) @name) @definition.type_alias
