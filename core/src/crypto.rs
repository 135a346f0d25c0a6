//! TEMPORARY STUB (replaced by the real module at merge).
#![allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmCipher {
    Des3,
    Aes128,
    Aes192,
    Aes256,
}
