; inherits: cpp
; Slang definitions: the C++ ones, plus interfaces, extensions and associated types.

(interface_specifier name: (type_identifier) @name) @definition.interface
(extension_specifier name: (type_identifier) @name) @definition.class
(associatedtype_declaration (type_identifier) @name) @definition.type_alias
