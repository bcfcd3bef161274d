; CSS definitions: class and id selectors of rule sets, keyframes, custom properties.

(rule_set (selectors (class_selector (class_name) @name))) @definition.class
(rule_set (selectors (_ (class_selector (class_name) @name)))) @definition.class
(rule_set (selectors (id_selector (id_name) @name))) @definition.object
(rule_set (selectors (_ (id_selector (id_name) @name)))) @definition.object
(keyframes_statement (keyframes_name) @name) @definition.function
(declaration (property_name) @name (#match? @name "^--")) @definition.variable
