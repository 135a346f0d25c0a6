//! sm (being written).
