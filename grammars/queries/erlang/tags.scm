; Erlang definitions: module, functions (first clause), records, types, macros.

(module_attribute name: (atom) @name) @definition.module
(fun_decl . clause: (function_clause name: (atom) @name)) @definition.function
(record_decl name: (atom) @name) @definition.struct
(type_alias name: (type_name name: (atom) @name)) @definition.type_alias
(opaque name: (type_name name: (atom) @name)) @definition.type_alias
(pp_define lhs: (macro_lhs name: (_) @name)) @definition.macro
