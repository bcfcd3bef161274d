; LaTeX definitions: sectioning commands (headings), labels, new commands and environments.

(part text: (curly_group (_) @name)) @definition.heading
(chapter text: (curly_group (_) @name)) @definition.heading
(section text: (curly_group (_) @name)) @definition.heading
(subsection text: (curly_group (_) @name)) @definition.heading
(subsubsection text: (curly_group (_) @name)) @definition.heading
(paragraph text: (curly_group (_) @name)) @definition.heading
(subparagraph text: (curly_group (_) @name)) @definition.heading
(label_definition name: (curly_group_label (_) @name)) @definition.key
(new_command_definition declaration: (curly_group_command_name (command_name) @name)) @definition.macro
(new_command_definition declaration: (command_name) @name) @definition.macro
(environment_definition name: (curly_group_text (_) @name)) @definition.macro
