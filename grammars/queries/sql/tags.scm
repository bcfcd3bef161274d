; SQL definitions: tables, views, functions, procedures, types, indexes, schemas, sequences,
; triggers, and table columns.

(create_table (object_reference name: (identifier) @name)) @definition.struct
(create_view (object_reference name: (identifier) @name)) @definition.struct
(create_materialized_view (object_reference name: (identifier) @name)) @definition.struct
(create_function (object_reference name: (identifier) @name)) @definition.function
(create_type (object_reference name: (identifier) @name)) @definition.type_alias
(create_index (identifier) @name) @definition.variable
(create_schema (identifier) @name) @definition.namespace
(create_database (identifier) @name) @definition.namespace
(create_sequence (object_reference name: (identifier) @name)) @definition.variable
(create_trigger (object_reference name: (identifier) @name)) @definition.function
(column_definition name: (_) @name) @definition.field
