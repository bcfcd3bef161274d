; Dockerfile definitions: named build stages (`FROM image AS name`), build arguments and
; environment variables.

(from_instruction as: (image_alias) @name) @definition.target
(arg_instruction (arg_pair name: (_) @name)) @definition.variable
(env_instruction (env_pair name: (_) @name)) @definition.variable
