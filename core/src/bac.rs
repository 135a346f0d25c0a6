//! TEMPORARY STUB (replaced by the real module at merge).
#![allow(missing_docs)]
use crate::apdu::{Command, Response};
use crate::error::{Error, Result};
use crate::rand::RandomSource;
use crate::sm::SecureMessaging;
pub struct Bac;
pub struct BacAwaitingChip;
impl Bac {
    pub fn new(_k: &[u8; 16]) -> Self {
        Bac
    }
    pub fn get_challenge() -> Command {
        Command::new(0, 0x84, 0, 0).with_ne(8)
    }
    pub fn authenticate(
        self,
        _rnd: &[u8],
        _rng: &mut dyn RandomSource,
    ) -> Result<(BacAwaitingChip, Command)> {
        Err(Error::Internal("stub"))
    }
}
impl BacAwaitingChip {
    pub fn finish(self, _r: &Response) -> Result<SecureMessaging> {
        Ok(SecureMessaging)
    }
}
