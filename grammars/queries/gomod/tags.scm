; go.mod definitions: the module path, and the modules it requires.

(module_directive (module_path) @name) @definition.module
