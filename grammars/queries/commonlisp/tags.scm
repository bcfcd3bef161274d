; Common Lisp definitions: `defun`, `defmacro`, `defgeneric`, `defmethod` and friends.

(defun_header
  keyword: (defun_keyword) @_kw
  function_name: (_) @name
  (#match? @_kw "(?i)^defmacro$")) @definition.macro
(defun_header
  keyword: (defun_keyword) @_kw
  function_name: (_) @name
  (#match? @_kw "(?i)^def(generic|method)$")) @definition.method
(defun_header function_name: (_) @name) @definition.function

; `(defclass name ...)`, `(defstruct name ...)`, `(defvar *x*)`, `(defpackage :p)` ...
(list_lit . (sym_lit) @_kw . (sym_lit) @name (#match? @_kw "(?i)^(defclass|define-condition)$")) @definition.class
(list_lit . (sym_lit) @_kw . [(sym_lit) @name (list_lit . (sym_lit) @name)] (#match? @_kw "(?i)^defstruct$")) @definition.struct
(list_lit . (sym_lit) @_kw . (sym_lit) @name (#match? @_kw "(?i)^(defvar|defparameter)$")) @definition.variable
(list_lit . (sym_lit) @_kw . (sym_lit) @name (#match? @_kw "(?i)^defconstant$")) @definition.constant
(list_lit . (sym_lit) @_kw . [(sym_lit) (kwd_lit)] @name (#match? @_kw "(?i)^defpackage$")) @definition.package
(list_lit . (sym_lit) @_kw . (sym_lit) @name (#match? @_kw "(?i)^deftype$")) @definition.type_alias
