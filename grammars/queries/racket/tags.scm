; Racket definitions: `(define (f args) ..)`, `(define x ..)`, `define-syntax(-rule)`,
; `struct`, `define-values`.

(list . (symbol) @_kw . (list . (symbol) @name) (#match? @_kw "^(define|define/contract|define/public|define/private|define/override)$")) @definition.function
(list . (symbol) @_kw . (symbol) @name . (list . (symbol) @_l (#match? @_l "^(lambda|λ|case-lambda)$")) (#match? @_kw "^define$")) @definition.function
(list . (symbol) @_kw . (symbol) @name (#match? @_kw "^(define|define/contract)$")) @definition.variable
(list . (symbol) @_kw . [(symbol) @name (list . (symbol) @name)] (#match? @_kw "^(define-syntax|define-syntax-rule)$")) @definition.macro
(list . (symbol) @_kw . (symbol) @name (#match? @_kw "^(struct|define-struct)$")) @definition.struct
