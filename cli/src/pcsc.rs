//! PC/SC transport: the desktop link to a contact or contactless reader through pcsc-lite.
//!
//! This module owns the connection to one PC/SC reader (listing readers, connecting in
//! exclusive mode with a shared fallback, resetting the card) and the mapping of PC/SC errors to
//! the core's [`TransportError`]. It implements [`monid_core::Transport`] and nothing else: it
//! never looks into APDUs, and its errors and `Debug` output never contain APDU data.
//!
//! pcscd and the readers it drives (vpcd included) pass extended-length APDUs through, so
//! [`PcscTransport::info`] announces them; whether the chip accepts them is the core's business.
//! vpcd has no `IFDHControl`, so no PC/SC part 10 capability query is attempted.

use std::ffi::CString;

use ::pcsc::{Card, Context, Disposition, Error as PcscError, Protocols, Scope, ShareMode};
use monid_core::{Transport, TransportError, TransportInfo};
use zeroize::Zeroize;

/// The longest command APDU announced: 4 header bytes + 3 Lc bytes + 65,535 data bytes + 2 Le
/// bytes, the ISO 7816-4 extended maximum.
pub const MAX_COMMAND_LEN: usize = 65_544;
/// The longest response APDU announced: 65,536 data bytes + SW1 SW2.
pub const MAX_RESPONSE_LEN: usize = 65_538;

/// Why the PC/SC layer could not list readers or connect.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkError {
    /// The PC/SC service (pcscd) is not running or not reachable.
    NoService,
    /// pcscd runs but sees no reader.
    NoReaders,
    /// No reader has this name.
    UnknownReader,
    /// The reader has no card (or the card is unpowered / unresponsive).
    NoCard,
    /// Another application holds the card exclusively.
    SharingViolation,
    /// A reader name contained a NUL byte.
    BadReaderName,
    /// Any other PC/SC failure, described by pcsc-lite's message.
    Other(String),
}

impl core::fmt::Display for LinkError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            LinkError::NoService => f.write_str(
                "the PC/SC service is not running (start pcscd, e.g. `systemctl start pcscd` \
                 or `pcscd`, and check that /run/pcscd/pcscd.comm exists)",
            ),
            LinkError::NoReaders => f.write_str("pcscd sees no smart-card reader"),
            LinkError::UnknownReader => {
                f.write_str("no reader with that name (list them with `monid readers`)")
            }
            LinkError::NoCard => f.write_str("no card (or an unresponsive card) in the reader"),
            LinkError::SharingViolation => {
                f.write_str("another application is using the card in that reader")
            }
            LinkError::BadReaderName => f.write_str("reader names cannot contain NUL bytes"),
            LinkError::Other(m) => write!(f, "PC/SC: {m}"),
        }
    }
}

impl std::error::Error for LinkError {}

fn link_error(e: PcscError) -> LinkError {
    match e {
        PcscError::NoService | PcscError::ServiceStopped => LinkError::NoService,
        PcscError::NoReadersAvailable => LinkError::NoReaders,
        PcscError::UnknownReader | PcscError::ReaderUnavailable => LinkError::UnknownReader,
        PcscError::NoSmartcard
        | PcscError::RemovedCard
        | PcscError::UnpoweredCard
        | PcscError::UnresponsiveCard => LinkError::NoCard,
        PcscError::SharingViolation => LinkError::SharingViolation,
        other => LinkError::Other(other.to_string()),
    }
}

/// Maps a PC/SC error met during an exchange to the core's [`TransportError`].
///
/// Removed, reset, absent or unpowered card: [`TransportError::TagLost`]; timeouts:
/// [`TransportError::Timeout`]; cancellations: [`TransportError::Cancelled`]; a too-small
/// buffer: [`TransportError::ResponseTooLong`]; everything else: [`TransportError::Other`] with
/// pcsc-lite's fixed message (never APDU data).
pub fn transport_error(e: PcscError) -> TransportError {
    match e {
        PcscError::RemovedCard
        | PcscError::ResetCard
        | PcscError::NoSmartcard
        | PcscError::UnpoweredCard
        | PcscError::UnresponsiveCard
        | PcscError::ReaderUnavailable => TransportError::TagLost,
        PcscError::Timeout => TransportError::Timeout,
        PcscError::Cancelled | PcscError::SystemCancelled | PcscError::CancelledByUser => {
            TransportError::Cancelled
        }
        PcscError::InsufficientBuffer => TransportError::ResponseTooLong,
        other => TransportError::Other(other.to_string()),
    }
}

fn establish() -> Result<Context, LinkError> {
    Context::establish(Scope::User).map_err(link_error)
}

/// Lists the PC/SC readers pcscd knows, in its order. An empty list means pcscd runs but sees
/// no reader.
pub fn list_readers() -> Result<Vec<String>, LinkError> {
    let ctx = establish()?;
    match ctx.list_readers_owned() {
        Ok(names) => Ok(names
            .into_iter()
            .map(|n| n.to_string_lossy().into_owned())
            .collect()),
        Err(PcscError::NoReadersAvailable) => Ok(Vec::new()),
        Err(e) => Err(link_error(e)),
    }
}

/// A connection to the card in one PC/SC reader.
pub struct PcscTransport {
    card: Card,
    reader: String,
    share: ShareMode,
    buffer: Vec<u8>,
}

impl core::fmt::Debug for PcscTransport {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PcscTransport")
            .field("reader", &self.reader)
            .field("exclusive", &self.is_exclusive())
            .finish_non_exhaustive()
    }
}

impl PcscTransport {
    /// Connects to the card in the reader named `reader` (exact PC/SC name), in exclusive
    /// share mode when possible (so that no other application interleaves APDUs inside a
    /// secure-messaging session), falling back to shared mode when another client holds a
    /// shared connection. Protocol: T=1 preferred, any accepted.
    pub fn connect(reader: &str) -> Result<Self, LinkError> {
        let name = CString::new(reader).map_err(|_| LinkError::BadReaderName)?;
        let ctx = establish()?;
        // ANY = T=0 or T=1; contactless readers and vpcd negotiate T=1.
        let protocols = Protocols::ANY;
        let (card, share) = match ctx.connect(&name, ShareMode::Exclusive, protocols) {
            Ok(card) => (card, ShareMode::Exclusive),
            Err(PcscError::SharingViolation) => (
                ctx.connect(&name, ShareMode::Shared, protocols)
                    .map_err(link_error)?,
                ShareMode::Shared,
            ),
            Err(e) => return Err(link_error(e)),
        };
        Ok(PcscTransport {
            card,
            reader: reader.to_owned(),
            share,
            buffer: vec![0u8; ::pcsc::MAX_BUFFER_SIZE_EXTENDED],
        })
    }

    /// The reader's name.
    pub fn reader(&self) -> &str {
        &self.reader
    }

    /// True when the connection is exclusive.
    pub fn is_exclusive(&self) -> bool {
        matches!(self.share, ShareMode::Exclusive)
    }

    /// The card's ATR, when the reader reports it.
    pub fn atr(&self) -> Option<Vec<u8>> {
        self.card.status2_owned().ok().map(|s| s.atr().to_vec())
    }

    /// Resets the card (`SCardReconnect` with `SCARD_RESET_CARD`) and keeps the connection.
    /// Used by tests to start each session from a fresh chip state.
    pub fn reconnect(&mut self) -> Result<(), TransportError> {
        self.card
            .reconnect(self.share, Protocols::ANY, Disposition::ResetCard)
            .map_err(transport_error)
    }
}

impl Transport for PcscTransport {
    fn transceive(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        if command.len() > MAX_COMMAND_LEN {
            return Err(TransportError::Other(format!(
                "command of {} bytes exceeds the {} bytes of an extended APDU",
                command.len(),
                MAX_COMMAND_LEN
            )));
        }
        let result = self
            .card
            .transmit(command, &mut self.buffer)
            .map(<[u8]>::to_vec)
            .map_err(transport_error);
        // The buffer held the response (personal data in plain reads): wipe what was used.
        if let Ok(response) = &result
            && let Some(used) = self.buffer.get_mut(..response.len())
        {
            used.zeroize();
        }
        result
    }

    fn info(&self) -> TransportInfo {
        TransportInfo {
            max_command_len: MAX_COMMAND_LEN,
            max_response_len: MAX_RESPONSE_LEN,
            extended_length: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_mapping() {
        assert_eq!(
            transport_error(PcscError::RemovedCard),
            TransportError::TagLost
        );
        assert_eq!(
            transport_error(PcscError::ResetCard),
            TransportError::TagLost
        );
        assert_eq!(
            transport_error(PcscError::NoSmartcard),
            TransportError::TagLost
        );
        assert_eq!(
            transport_error(PcscError::UnpoweredCard),
            TransportError::TagLost
        );
        assert_eq!(transport_error(PcscError::Timeout), TransportError::Timeout);
        assert_eq!(
            transport_error(PcscError::Cancelled),
            TransportError::Cancelled
        );
        assert_eq!(
            transport_error(PcscError::InsufficientBuffer),
            TransportError::ResponseTooLong
        );
        assert!(matches!(
            transport_error(PcscError::CommError),
            TransportError::Other(_)
        ));
        assert_eq!(link_error(PcscError::NoService), LinkError::NoService);
        assert!(LinkError::NoService.to_string().contains("pcscd"));
    }
}
