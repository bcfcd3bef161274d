; CodeQL definitions: modules, classes, predicates (top-level and member), characteristic
; predicates, algebraic datatypes and their branches.

(module name: (moduleName) @name) @definition.module
(dataclass name: (className) @name) @definition.class
(datatype name: (className) @name) @definition.enum
(datatypeBranch name: (className) @name) @definition.enum_member
(classlessPredicate name: (predicateName) @name) @definition.function
(memberPredicate name: (predicateName) @name) @definition.method
(charpred (className) @name) @definition.constructor
