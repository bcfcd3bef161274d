; DTD definitions: element, attribute list, entity and notation declarations.

(elementdecl (Name) @name) @definition.struct
(AttlistDecl (Name) @name) @definition.field
(GEDecl (Name) @name) @definition.constant
(PEDecl (Name) @name) @definition.macro
(NotationDecl (Name) @name) @definition.constant
