; F# definitions: namespaces, modules, functions and values, types (records, unions, enums,
; interfaces, classes, abbreviations), union cases, members, exceptions.

(namespace name: (long_identifier) @name) @definition.namespace
(named_module name: (long_identifier) @name) @definition.module
(module_defn (identifier) @name) @definition.module
(file (declaration_expression (function_or_value_defn (function_declaration_left . (identifier) @name)) @definition.function))
(named_module (declaration_expression (function_or_value_defn (function_declaration_left . (identifier) @name)) @definition.function))
(module_defn (declaration_expression (function_or_value_defn (function_declaration_left . (identifier) @name)) @definition.function))
(namespace (declaration_expression (function_or_value_defn (function_declaration_left . (identifier) @name)) @definition.function))
(file (declaration_expression (function_or_value_defn (value_declaration_left (identifier_pattern (long_identifier_or_op (identifier) @name)))) @definition.variable))
(named_module (declaration_expression (function_or_value_defn (value_declaration_left (identifier_pattern (long_identifier_or_op (identifier) @name)))) @definition.variable))
(module_defn (declaration_expression (function_or_value_defn (value_declaration_left (identifier_pattern (long_identifier_or_op (identifier) @name)))) @definition.variable))
(namespace (declaration_expression (function_or_value_defn (value_declaration_left (identifier_pattern (long_identifier_or_op (identifier) @name)))) @definition.variable))
(record_type_defn (type_name type_name: (_) @name)) @definition.struct
(union_type_defn (type_name type_name: (_) @name)) @definition.enum
(union_type_case (identifier) @name) @definition.enum_member
(enum_type_defn (type_name type_name: (_) @name)) @definition.enum
(enum_type_case (identifier) @name) @definition.enum_member
(interface_type_defn (type_name type_name: (_) @name)) @definition.interface
(anon_type_defn (type_name type_name: (_) @name)) @definition.class
(type_abbrev_defn (type_name type_name: (_) @name)) @definition.type_alias
(member_defn (method_or_prop_defn name: (property_or_ident (identifier) @name .))) @definition.method
(exception_definition exception_name: (long_identifier) @name) @definition.class
