; HTML definitions: headings (h1-h6) and elements with an `id`.

(element
  (start_tag (tag_name) @_tag)
  (text) @name
  (#match? @_tag "^[hH][1-6]$")) @definition.heading
(element
  (start_tag
    (attribute
      (attribute_name) @_attr
      (quoted_attribute_value (attribute_value) @name))
    (#eq? @_attr "id"))) @definition.object
