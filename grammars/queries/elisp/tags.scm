; Emacs Lisp definitions: functions, macros, and `defvar`/`defcustom`/`defconst`/`defface`/
; `defgroup` variables.

(function_definition name: (symbol) @name) @definition.function
(macro_definition name: (symbol) @name) @definition.macro
(special_form . _ @_kw . (symbol) @name (#match? @_kw "^(defvar|defvar-local|defcustom|defface|defgroup)$")) @definition.variable
(special_form . _ @_kw . (symbol) @name (#eq? @_kw "defconst")) @definition.constant
(list . (symbol) @_kw . (symbol) @name (#match? @_kw "^(cl-defun|cl-defgeneric|cl-defmethod|define-derived-mode|define-minor-mode|defsubst|define-inline)$")) @definition.function
(list . (symbol) @_kw . (symbol) @name (#match? @_kw "^(cl-defmacro)$")) @definition.macro
(list . (symbol) @_kw . [(symbol) @name (list . (symbol) @name)] (#match? @_kw "^cl-defstruct$")) @definition.struct
