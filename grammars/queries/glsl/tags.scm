; inherits: c
; GLSL definitions: the C ones (functions, structs, macros, globals such as uniforms).
