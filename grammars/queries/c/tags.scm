; C definitions (also inherited by C++ and Objective-C). Declarators nest (pointers,
; parentheses, arrays, attributes), so the patterns spell out the common depths.

; Functions: `int f(void) {..}`, `char *f()`, `char **f()`, `int (f)(void)`.
(function_definition
  declarator: [
    (function_declarator declarator: (identifier) @name)
    (function_declarator declarator: (parenthesized_declarator (identifier) @name))
    (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))
    (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: (identifier) @name)))
    (pointer_declarator declarator: (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))))
    (attributed_declarator (function_declarator declarator: (identifier) @name))
    ; A function returning a function pointer: `void (*signal(int, void (*)(int)))(int)`.
    (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))))
  ]) @definition.function

; Prototypes: declarations, listed as functions flagged `declaration` (ctags' `prototype`),
; not as definitions. A function-pointer variable `void (*h)(int);` is no prototype.
(declaration
  declarator: [
    (function_declarator declarator: (identifier) @name)
    (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))
    (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: (identifier) @name)))
    (attributed_declarator (function_declarator declarator: (identifier) @name))
  ]) @declaration.function

; Type definitions: plain, pointer, array, function and function-pointer typedefs.
(type_definition
  declarator: [
    (type_identifier) @name
    ; `typedef __ssize_t ssize_t;`: the grammar knows `ssize_t`, `char16_t`, ... as primitive.
    (primitive_type) @name
    (pointer_declarator declarator: (type_identifier) @name)
    (pointer_declarator declarator: (pointer_declarator declarator: (type_identifier) @name))
    (array_declarator declarator: (type_identifier) @name)
    (function_declarator declarator: (type_identifier) @name)
    (function_declarator declarator: (parenthesized_declarator (type_identifier) @name))
    (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (type_identifier) @name)))
    (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (pointer_declarator declarator: (type_identifier) @name))))
    (pointer_declarator declarator: (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (type_identifier) @name))))
    ; `typedef void *(APIENTRYP NAME)(..)`: a calling-convention macro before the name (the
    ; grammar makes it an ERROR beside the name).
    (pointer_declarator declarator: (function_declarator declarator: (parenthesized_declarator (type_identifier) @name)))
    (array_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (type_identifier) @name)))
    ; `typedef int (name);`: the name alone in the parentheses (not a parameter's type left
    ; beside an ERROR, as in the macro case below).
    (parenthesized_declarator . (type_identifier) @name .)
  ]) @definition.type_alias

; `typedef GLboolean (APIENTRYP NAME) (GLuint list);`: before a return type that is a plain
; identifier, the grammar reads `GLboolean (APIENTRYP NAME)` as a macro type with the calling-
; convention macro (OpenGL's APIENTRYP, EGL's EGLAPIENTRYP) an ERROR; the name is the type
; inside it, and the parameters become the declarator.
(type_definition
  type: (macro_type_specifier
    (ERROR (type_identifier))
    type: (type_descriptor type: (type_identifier) @name))
  declarator: (parenthesized_declarator)) @definition.type_alias

; Tagged types with a body; a bare `struct s;` is a forward declaration, not a definition.
(struct_specifier name: (type_identifier) @name body: (field_declaration_list)) @definition.struct
(union_specifier name: (type_identifier) @name body: (field_declaration_list)) @definition.struct
(enum_specifier name: (type_identifier) @name body: (enumerator_list)) @definition.enum
(enumerator name: (identifier) @name) @definition.enum_member

(field_declaration
  declarator: [
    (field_identifier) @name
    (pointer_declarator declarator: (field_identifier) @name)
    (pointer_declarator declarator: (pointer_declarator declarator: (field_identifier) @name))
    (array_declarator declarator: (field_identifier) @name)
    (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (field_identifier) @name)))
  ]) @definition.field

(preproc_def name: (identifier) @name) @definition.macro
(preproc_function_def name: (identifier) @name) @definition.macro

; File-scope variables (also inside `#if` blocks); `extern` ones are declarations only.
(translation_unit
  (declaration
    declarator: [
      (identifier) @name
      (init_declarator declarator: (identifier) @name)
      (init_declarator declarator: (pointer_declarator declarator: (identifier) @name))
      (init_declarator declarator: (array_declarator declarator: (identifier) @name))
      (init_declarator declarator: (pointer_declarator declarator: (array_declarator declarator: (identifier) @name)))
      (pointer_declarator declarator: (identifier) @name)
      (array_declarator declarator: (identifier) @name)
    ]) @definition.variable @_decl
  (#not-match? @_decl "^extern"))
(preproc_if
  (declaration
    declarator: [
      (identifier) @name
      (init_declarator declarator: (identifier) @name)
      (init_declarator declarator: (pointer_declarator declarator: (identifier) @name))
      (init_declarator declarator: (array_declarator declarator: (identifier) @name))
      (init_declarator declarator: (pointer_declarator declarator: (array_declarator declarator: (identifier) @name)))
      (pointer_declarator declarator: (identifier) @name)
      (array_declarator declarator: (identifier) @name)
    ]) @definition.variable @_decl
  (#not-match? @_decl "^extern"))
(preproc_ifdef
  (declaration
    declarator: [
      (identifier) @name
      (init_declarator declarator: (identifier) @name)
      (init_declarator declarator: (pointer_declarator declarator: (identifier) @name))
      (init_declarator declarator: (array_declarator declarator: (identifier) @name))
      (init_declarator declarator: (pointer_declarator declarator: (array_declarator declarator: (identifier) @name)))
      (pointer_declarator declarator: (identifier) @name)
      (array_declarator declarator: (identifier) @name)
    ]) @definition.variable @_decl
  (#not-match? @_decl "^extern"))
(preproc_else
  (declaration
    declarator: [
      (identifier) @name
      (init_declarator declarator: (identifier) @name)
      (init_declarator declarator: (pointer_declarator declarator: (identifier) @name))
      (init_declarator declarator: (array_declarator declarator: (identifier) @name))
      (init_declarator declarator: (pointer_declarator declarator: (array_declarator declarator: (identifier) @name)))
      (pointer_declarator declarator: (identifier) @name)
      (array_declarator declarator: (identifier) @name)
    ]) @definition.variable @_decl
  (#not-match? @_decl "^extern"))
(preproc_elif
  (declaration
    declarator: [
      (identifier) @name
      (init_declarator declarator: (identifier) @name)
      (init_declarator declarator: (pointer_declarator declarator: (identifier) @name))
      (init_declarator declarator: (array_declarator declarator: (identifier) @name))
      (init_declarator declarator: (pointer_declarator declarator: (array_declarator declarator: (identifier) @name)))
      (pointer_declarator declarator: (identifier) @name)
      (array_declarator declarator: (identifier) @name)
    ]) @definition.variable @_decl
  (#not-match? @_decl "^extern"))
