; QML definitions: objects with an `id`, custom properties, signals, inline components,
; JavaScript functions.

(ui_object_definition
  initializer: (ui_object_initializer
    (ui_binding
      name: (identifier) @_id
      value: (expression_statement (identifier) @name))
    (#eq? @_id "id"))) @definition.object
(ui_property name: (identifier) @name) @definition.property
(ui_required name: (identifier) @name) @definition.property
(ui_signal name: (identifier) @name) @definition.event
(ui_inline_component name: (identifier) @name) @definition.class
(function_declaration name: (identifier) @name) @definition.method
