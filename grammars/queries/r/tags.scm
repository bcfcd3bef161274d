; R definitions: functions and variables assigned with `<-`, `=`, `<<-` or `->` at the top
; level; functions anywhere.

(binary_operator
  lhs: [(identifier) (string)] @name
  operator: ["<-" "=" "<<-"]
  rhs: (function_definition)) @definition.function
(binary_operator
  lhs: (function_definition)
  operator: ["->" "->>"]
  rhs: (identifier) @name) @definition.function
(program
  (binary_operator
    lhs: (identifier) @name
    operator: ["<-" "=" "<<-"]) @definition.variable)
