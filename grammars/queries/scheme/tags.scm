; Scheme definitions: `(define (f args) ..)`, `(define x ..)`, `define-syntax`,
; `define-record-type`, `define-library`/`define-module`.

(list . (symbol) @_kw . (list . (symbol) @name) (#match? @_kw "^define(\\*|-public|-inline)?$")) @definition.function
(list . (symbol) @_kw . (symbol) @name . (list . (symbol) @_l (#match? @_l "^(lambda|case-lambda)$")) (#match? @_kw "^define(\\*|-public)?$")) @definition.function
(list . (symbol) @_kw . (symbol) @name (#match? @_kw "^define(\\*|-public)?$")) @definition.variable
(list . (symbol) @_kw . (symbol) @name (#match? @_kw "^define-syntax$")) @definition.macro
(list . (symbol) @_kw . (symbol) @name (#match? @_kw "^define-record-type$")) @definition.struct
(list . (symbol) @_kw . (list) @name (#match? @_kw "^(define-library|define-module|library)$")) @definition.module
