; HCL / Terraform definitions: blocks named by their type and labels (`resource "aws_x" "y"`
; is named by its last label), and top-level attributes.

(body (block (identifier) @_type . (string_lit (template_literal) @name) . (block_start)) @definition.object)
(body (block (identifier) @_type . (string_lit) . (string_lit (template_literal) @name) . (block_start)) @definition.object)
(body (block (identifier) @name . (block_start)) @definition.object)
(config_file (body (attribute (identifier) @name) @definition.variable))
