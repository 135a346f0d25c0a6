#![allow(missing_docs)]
pub struct EfCom(Vec<u8>);
impl EfCom {
    pub fn parse(b: &[u8]) -> Result<Self, crate::tlv::TlvError> {
        Ok(EfCom(b.to_vec()))
    }
    pub fn data_groups(&self) -> Vec<u8> {
        let _ = &self.0;
        vec![1, 2]
    }
}
