; Java properties definitions: every key.

(property (key) @name) @definition.key
