//! symbols (filled in by its issue).
