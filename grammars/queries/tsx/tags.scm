; inherits: typescript
; TSX: the TypeScript definitions (JSX adds none).
