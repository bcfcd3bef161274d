; C++ definitions: namespaces, classes, templates, constructors, methods defined in and out
; of their class, operators, destructors, aliases and concepts, then C's definitions (copied
; from c/tags.scm rather than inherited: the earliest matching pattern names a symbol's kind,
; so the C++ patterns must come first).

; Constructors: in their class, and out of it (`Box<T>::Box()`, `A::A()`).
(field_declaration_list
  (function_definition
    declarator: (function_declarator declarator: (identifier) @name)) @definition.constructor)
(function_definition
  declarator: (function_declarator
    declarator: (qualified_identifier
      scope: [(namespace_identifier) @_scope (template_type name: (type_identifier) @_scope)]
      name: (identifier) @name))
  (#eq? @_scope @name)) @definition.constructor


(namespace_definition name: (_) @name) @definition.namespace

(class_specifier name: (type_identifier) @name body: (field_declaration_list)) @definition.class
(class_specifier name: (template_type name: (type_identifier) @name) body: (field_declaration_list)) @definition.class
(class_specifier name: (qualified_identifier name: (type_identifier) @name) body: (field_declaration_list)) @definition.class
(struct_specifier name: (template_type name: (type_identifier) @name) body: (field_declaration_list)) @definition.struct
(struct_specifier name: (qualified_identifier name: (type_identifier) @name) body: (field_declaration_list)) @definition.struct
(union_specifier name: (template_type name: (type_identifier) @name) body: (field_declaration_list)) @definition.struct
(enum_specifier name: (qualified_identifier name: (type_identifier) @name) body: (enumerator_list)) @definition.enum

; An export macro before the name (`class DLL_API Name : Base {..}`) makes the grammar read
; a function returning `class DLL_API`; recover the class name.
(function_definition
  type: (class_specifier name: (type_identifier) @_macro)
  declarator: (identifier) @name
  (#match? @_macro "^[A-Z_][A-Z0-9_]*$")) @definition.class
(function_definition
  type: (struct_specifier name: (type_identifier) @_macro)
  declarator: (identifier) @name
  (#match? @_macro "^[A-Z_][A-Z0-9_]*$")) @definition.struct

(alias_declaration name: (type_identifier) @name) @definition.type_alias
(concept_definition name: (identifier) @name) @definition.type_alias

; Methods defined inside their class.
(function_definition
  declarator: [
    (function_declarator declarator: (field_identifier) @name)
    (pointer_declarator declarator: (function_declarator declarator: (field_identifier) @name))
    (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: (field_identifier) @name)))
    (reference_declarator (function_declarator declarator: (field_identifier) @name))
    (function_declarator declarator: (destructor_name) @name)
    (pointer_declarator declarator: (function_declarator declarator: (destructor_name) @name))
    (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: (destructor_name) @name)))
    (reference_declarator (function_declarator declarator: (destructor_name) @name))
    (function_declarator declarator: (operator_name) @name)
    (pointer_declarator declarator: (function_declarator declarator: (operator_name) @name))
    (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: (operator_name) @name)))
    (reference_declarator (function_declarator declarator: (operator_name) @name))
  ]) @definition.method

; Methods and namespaced functions defined outside (ctags calls both functions): `void A::B::f() {..}`.
(function_definition
  declarator: [
    (function_declarator declarator: (qualified_identifier name: (identifier) @name))
    (pointer_declarator declarator: (function_declarator declarator: (qualified_identifier name: (identifier) @name)))
    (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: (qualified_identifier name: (identifier) @name))))
    (reference_declarator (function_declarator declarator: (qualified_identifier name: (identifier) @name)))
    (function_declarator declarator: (qualified_identifier name: (destructor_name) @name))
    (pointer_declarator declarator: (function_declarator declarator: (qualified_identifier name: (destructor_name) @name)))
    (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: (qualified_identifier name: (destructor_name) @name))))
    (reference_declarator (function_declarator declarator: (qualified_identifier name: (destructor_name) @name)))
    (function_declarator declarator: (qualified_identifier name: (operator_name) @name))
    (pointer_declarator declarator: (function_declarator declarator: (qualified_identifier name: (operator_name) @name)))
    (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: (qualified_identifier name: (operator_name) @name))))
    (reference_declarator (function_declarator declarator: (qualified_identifier name: (operator_name) @name)))
    (function_declarator declarator: (qualified_identifier name: (template_function name: (identifier) @name)))
    (pointer_declarator declarator: (function_declarator declarator: (qualified_identifier name: (template_function name: (identifier) @name))))
    (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: (qualified_identifier name: (template_function name: (identifier) @name)))))
    (reference_declarator (function_declarator declarator: (qualified_identifier name: (template_function name: (identifier) @name))))
    (function_declarator declarator: (qualified_identifier name: (qualified_identifier name: (identifier) @name)))
    (pointer_declarator declarator: (function_declarator declarator: (qualified_identifier name: (qualified_identifier name: (identifier) @name))))
    (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: (qualified_identifier name: (qualified_identifier name: (identifier) @name)))))
    (reference_declarator (function_declarator declarator: (qualified_identifier name: (qualified_identifier name: (identifier) @name))))
    (function_declarator declarator: (qualified_identifier name: (qualified_identifier name: (destructor_name) @name)))
    (pointer_declarator declarator: (function_declarator declarator: (qualified_identifier name: (qualified_identifier name: (destructor_name) @name))))
    (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: (qualified_identifier name: (qualified_identifier name: (destructor_name) @name)))))
    (reference_declarator (function_declarator declarator: (qualified_identifier name: (qualified_identifier name: (destructor_name) @name))))
    (function_declarator declarator: (qualified_identifier name: (qualified_identifier name: (qualified_identifier name: (identifier) @name))))
    (pointer_declarator declarator: (function_declarator declarator: (qualified_identifier name: (qualified_identifier name: (qualified_identifier name: (identifier) @name)))))
    (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: (qualified_identifier name: (qualified_identifier name: (qualified_identifier name: (identifier) @name))))))
    (reference_declarator (function_declarator declarator: (qualified_identifier name: (qualified_identifier name: (qualified_identifier name: (identifier) @name)))))
  ]) @definition.function

; Functions returning references, and template specialisations `f<int>()`.
(function_definition
  declarator: [
    (reference_declarator (function_declarator declarator: (identifier) @name))
    (function_declarator declarator: (template_function name: (identifier) @name))
    (pointer_declarator declarator: (function_declarator declarator: (template_function name: (identifier) @name)))
    (pointer_declarator declarator: (pointer_declarator declarator: (function_declarator declarator: (template_function name: (identifier) @name))))
    (reference_declarator (function_declarator declarator: (template_function name: (identifier) @name)))
  ]) @definition.function

; ---- C definitions (keep in step with c/tags.scm) ----

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
    (array_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (type_identifier) @name)))
    (parenthesized_declarator (type_identifier) @name)
  ]) @definition.type_alias

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
