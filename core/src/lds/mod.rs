//! TEMPORARY STUB (replaced by the real module at merge).
#![allow(missing_docs)]
pub mod com;
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileId {
    Com,
    Dg(u8),
    Sod,
    AtrInfo,
}
impl FileId {
    pub fn name(self) -> &'static str {
        "X"
    }
    pub fn fid(self) -> u16 {
        match self {
            FileId::Com => 0x011E,
            FileId::Dg(n) => 0x0100 + u16::from(n),
            FileId::Sod => 0x011D,
            FileId::AtrInfo => 0x2F01,
        }
    }
    pub fn sfi(self) -> Option<u8> {
        match self {
            FileId::Com => Some(0x1E),
            FileId::Dg(n) => Some(n),
            FileId::Sod => Some(0x1D),
            FileId::AtrInfo => Some(1),
        }
    }
}
