; Assembly definitions: labels.

(label name: (word) @name) @definition.function
(label (ident) @name) @definition.function
