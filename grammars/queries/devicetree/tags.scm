; Devicetree definitions: nodes (by name) and labels (`label: node { .. }`).

(node label: (identifier) @name) @definition.variable
(node name: (_) @name) @definition.object
(preproc_def name: (identifier) @name) @definition.macro
(preproc_function_def name: (identifier) @name) @definition.macro
