//! TEMPORARY STUB (replaced by the real module at merge).
#![allow(missing_docs)]
pub struct MrzKey;
impl MrzKey {
    pub fn key_seed(&self) -> zeroize::Zeroizing<[u8; 16]> {
        zeroize::Zeroizing::new([0; 16])
    }
}
pub enum AccessKey {
    Mrz(MrzKey),
    Can(u8),
    Pin(u8),
}
