; TOML definitions: tables, arrays of tables, and the keys of top-level and table pairs.

(table [(bare_key) (dotted_key) (quoted_key)] @name) @definition.object
(table_array_element [(bare_key) (dotted_key) (quoted_key)] @name) @definition.object
(document (pair [(bare_key) (dotted_key) (quoted_key)] @name) @definition.key)
(table (pair [(bare_key) (dotted_key) (quoted_key)] @name) @definition.key)
(table_array_element (pair [(bare_key) (dotted_key) (quoted_key)] @name) @definition.key)
