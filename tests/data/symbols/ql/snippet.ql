/**
 * @name Unused local variable
 * @description Finds local variables that are never read.
 * @kind problem
 * @id example/unused-local
 */

import javascript

/** A local variable declared with `let` or `const`. */
class LocalDecl extends VarDecl {
  LocalDecl() { this.getParent() instanceof DeclStmt }

  predicate isUnused() { not exists(VarAccess a | a.getVariable() = this.getVariable()) }
}

predicate ignored(LocalDecl d) { d.getName().matches("\\_%") }

from LocalDecl d
where
  d.isUnused() and
  not ignored(d)
select d, "Variable " + d.getName() + " is never used."
