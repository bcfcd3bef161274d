;;; syntaxd-mode.el --- Minor mode for syntaxd -*- lexical-binding: t; -*-

;;; Commentary:
;; Talks to a running syntaxd daemon.

;;; Code:

(require 'json)

(defgroup syntaxd nil
  "Integration with the syntaxd daemon."
  :group 'tools)

(defcustom syntaxd-port 7070
  "Port of the syntaxd daemon."
  :type 'integer
  :group 'syntaxd)

(defvar syntaxd--cache (make-hash-table :test #'equal)
  "Cache of parsed buffers.")

(defun syntaxd-language-of (file)
  "Return the language id for FILE, or nil."
  (let ((ext (file-name-extension file)))
    (cond ((member ext '("rs")) "rust")
          ((string= ext "py") "python")
          (t nil))))

(define-minor-mode syntaxd-mode
  "Toggle syntaxd integration."
  :lighter " sx"
  (if syntaxd-mode
      (message "syntaxd on port %d" syntaxd-port)
    (clrhash syntaxd--cache)))

(provide 'syntaxd-mode)
;;; syntaxd-mode.el ends here
