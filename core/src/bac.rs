//! bac (being written).
