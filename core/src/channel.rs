//! channel (being written).
