//! LDS files (being written).
