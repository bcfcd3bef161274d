//! The language registry.
