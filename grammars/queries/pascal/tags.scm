; Pascal / Delphi definitions: program, unit, procedures and functions (declared and
; defined), types, classes, interfaces, constants.

(program (moduleName) @name) @definition.module
(unit (moduleName) @name) @definition.module
(library (moduleName) @name) @definition.module
(defProc header: (declProc name: [(identifier) @name (genericDot rhs: (_) @name)])) @definition.function
(declType name: (_) @name type: (declClass)) @definition.class
(declType name: (_) @name type: (declIntf)) @definition.interface
(declType name: (_) @name type: (type (declEnum))) @definition.enum
(declType name: (_) @name) @definition.type_alias
(declClass (declProc name: (_) @name) @definition.method)
(declSection (declProc name: (_) @name) @definition.method)
(declIntf (declProc name: (_) @name) @definition.method)
(declConst name: (identifier) @name) @definition.constant
