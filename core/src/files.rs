//! files (being written).
