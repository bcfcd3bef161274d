; Nim definitions: procs and funcs (the grammar we ship parses no other declarations).

(proc_declaration name: (identifier) @name) @definition.function
(func_declaration name: (identifier) @name) @definition.function
