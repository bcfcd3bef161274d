; YAML definitions: the keys of the top two levels of block mappings (an outline of the
; document), and anchors.

(document (block_node (block_mapping (block_mapping_pair key: (_) @name) @definition.key)))
(document
  (block_node
    (block_mapping
      (block_mapping_pair
        value: (block_node
          (block_mapping (block_mapping_pair key: (_) @name) @definition.key))))))
(anchor (anchor_name) @name) @definition.variable
