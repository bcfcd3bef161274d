//! bytecode (filled in by its issue).
