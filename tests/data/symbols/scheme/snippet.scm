;; Queue and list utilities in R7RS Scheme.
(import (scheme base) (scheme write))

(define-record-type queue
  (make-queue front back)
  queue?
  (front queue-front set-queue-front!)
  (back queue-back set-queue-back!))

(define (empty-queue) (make-queue '() '()))

(define (enqueue q x)
  (set-queue-back! q (cons x (queue-back q)))
  q)

(define (dequeue q)
  (when (null? (queue-front q))
    (set-queue-front! q (reverse (queue-back q)))
    (set-queue-back! q '()))
  (let ((x (car (queue-front q))))
    (set-queue-front! q (cdr (queue-front q)))
    x))

(let ((q (empty-queue)))
  (for-each (lambda (n) (enqueue q n)) '(1 2 3))
  (display (dequeue q))
  (newline))
