; inherits: cpp
; HLSL definitions: the C++ ones, plus constant buffers.

(cbuffer_specifier name: (type_identifier) @name) @definition.struct
