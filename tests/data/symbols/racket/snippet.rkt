#lang racket/base
;; Shapes and their areas.
(require racket/match racket/math)

(provide area shape-name)

(struct circle (radius) #:transparent)
(struct rect (width height) #:transparent)

(define (area s)
  (match s
    [(circle r) (* pi r r)]
    [(rect w h) (* w h)]))

(define (shape-name s)
  (cond [(circle? s) "circle"]
        [(rect? s) "rectangle"]
        [else "unknown"]))

(define shapes (list (circle 1.5) (rect 2 3)))

(for ([s (in-list shapes)])
  (printf "~a: ~a\n" (shape-name s) (area s)))
