; INI definitions: sections and their settings.

(section (section_name (text) @name)) @definition.object
(setting (setting_name) @name) @definition.key
