; Haskell definitions: module, functions (by their type signature: equations repeat per
; clause), data types,
; newtypes, type synonyms and families, classes, constructors.

(header module: (module) @name) @definition.module

(declarations (signature name: (variable) @name) @definition.function)
(class_declarations (signature name: (variable) @name) @definition.method)

(data_type name: (name) @name) @definition.struct
(newtype name: (name) @name) @definition.struct
(type_synonym name: (name) @name) @definition.type_alias
(type_family name: (name) @name) @definition.type_alias
(class name: (name) @name) @definition.interface
(data_constructor constructor: (prefix name: (constructor) @name)) @definition.enum_member
(data_constructor constructor: (record name: (constructor) @name)) @definition.enum_member
