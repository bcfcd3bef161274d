; MATLAB definitions: classes, functions (methods inside `methods` blocks), properties,
; enumeration members, events.

(class_definition name: (identifier) @name) @definition.class
(methods (function_definition name: (_) @name) @definition.method)
(methods (function_signature name: (_) @name) @definition.method)
(function_definition name: (_) @name) @definition.function
(properties (property name: (_) @name) @definition.property)
(enumeration (enum (identifier) @name) @definition.enum_member)
(events (identifier) @name @definition.event)
