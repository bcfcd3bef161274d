; Perl definitions: packages, classes, subroutines, methods.

(package_statement name: (package) @name) @definition.package
(class_statement name: (package) @name) @definition.class
(subroutine_declaration_statement name: (bareword) @name) @definition.function
(method_declaration_statement name: (bareword) @name) @definition.method
