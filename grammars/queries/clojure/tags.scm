; Clojure definitions: namespaces, functions, macros, vars, protocols, records, types,
; multimethods.

(list_lit . (sym_lit name: (sym_name) @_kw) . (sym_lit name: (sym_name) @name) (#eq? @_kw "ns")) @definition.namespace
(list_lit . (sym_lit name: (sym_name) @_kw) . (sym_lit name: (sym_name) @name) (#match? @_kw "^(defn|defn-)$")) @definition.function
(list_lit . (sym_lit name: (sym_name) @_kw) . (sym_lit name: (sym_name) @name) (#match? @_kw "^(defmacro)$")) @definition.macro
(list_lit . (sym_lit name: (sym_name) @_kw) . (sym_lit name: (sym_name) @name) (#match? @_kw "^(def|defonce)$")) @definition.variable
(list_lit . (sym_lit name: (sym_name) @_kw) . (sym_lit name: (sym_name) @name) (#match? @_kw "^(defprotocol|definterface)$")) @definition.interface
(list_lit . (sym_lit name: (sym_name) @_kw) . (sym_lit name: (sym_name) @name) (#match? @_kw "^(defrecord|deftype)$")) @definition.class
(list_lit . (sym_lit name: (sym_name) @_kw) . (sym_lit name: (sym_name) @name) (#match? @_kw "^(defmulti|defmethod)$")) @definition.method
