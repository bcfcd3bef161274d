//! parse (filled in by its issue).
