; Fish definitions: functions.

(function_definition name: (_) @name) @definition.function
