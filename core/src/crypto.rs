//! crypto (being written).
