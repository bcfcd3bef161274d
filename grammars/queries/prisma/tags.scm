; Prisma schema definitions: models, views, enums, composite types, datasources, generators,
; fields and enum values.

(model_declaration . (identifier) @name) @definition.class
(view_declaration . (identifier) @name) @definition.class
(type_declaration . (identifier) @name) @definition.struct
(enum_declaration . (identifier) @name) @definition.enum
(datasource_declaration . (identifier) @name) @definition.object
(generator_declaration . (identifier) @name) @definition.object
(column_declaration . (identifier) @name) @definition.field
(enumeral . (identifier) @name) @definition.enum_member
