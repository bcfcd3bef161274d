; Markdown definitions: headings (ATX `# Title` and setext `Title\n===`).

(atx_heading heading_content: (inline) @name) @definition.heading
(setext_heading heading_content: (paragraph (inline) @name)) @definition.heading
