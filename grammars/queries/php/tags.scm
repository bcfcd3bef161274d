; inherits: php_only
; PHP files with HTML around the code: the same definitions as php_only.
