;;;; Simple bank account model.
(defpackage :bank
  (:use :common-lisp)
  (:export #:make-account #:deposit #:balance))

(in-package :bank)

(defclass account ()
  ((owner :initarg :owner :reader owner)
   (balance :initform 0 :accessor balance)))

(defun make-account (owner)
  "Creates a new empty account for OWNER."
  (make-instance 'account :owner owner))

(defgeneric deposit (account amount))

(defmethod deposit ((acc account) amount)
  (when (<= amount 0)
    (error "Deposit must be positive: ~a" amount))
  (incf (balance acc) amount))

(let ((acc (make-account "Ada")))
  (loop for x in '(10 20 30) do (deposit acc x))
  (format t "~a has ~d~%" (owner acc) (balance acc)))
