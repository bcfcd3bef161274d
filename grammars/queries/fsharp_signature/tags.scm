; F# signature files (.fsi): namespaces, modules, types, union cases.

(namespace name: (long_identifier) @name) @definition.namespace
(named_module name: (long_identifier) @name) @definition.module
(module_defn (identifier) @name) @definition.module
(record_type_defn (type_name type_name: (_) @name)) @definition.struct
(union_type_defn (type_name type_name: (_) @name)) @definition.enum
(union_type_case (identifier) @name) @definition.enum_member
(interface_type_defn (type_name type_name: (_) @name)) @definition.interface
(anon_type_defn (type_name type_name: (_) @name)) @definition.class
(type_abbrev_defn (type_name type_name: (_) @name)) @definition.type_alias
