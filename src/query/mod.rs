//! query (filled in by its issue).
