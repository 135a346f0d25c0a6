//! TEMPORARY STUB (replaced by the real module at merge).
#![allow(missing_docs)]
use crate::apdu::{Command, Response, StatusWord};
use crate::crypto::SmCipher;
use crate::error::Result;
pub struct SecureMessaging;
pub enum Unprotected {
    Verified(Response),
    StatusOnly(StatusWord),
}
impl SecureMessaging {
    pub fn cipher(&self) -> SmCipher {
        SmCipher::Des3
    }
    pub fn protect(&mut self, cmd: &Command, _extended: bool) -> Result<Command> {
        Ok(cmd.clone())
    }
    pub fn unprotect(&mut self, resp: &Response) -> Result<Unprotected> {
        Ok(Unprotected::Verified(resp.clone()))
    }
}
