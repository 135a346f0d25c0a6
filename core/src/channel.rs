//! The APDU channel: one place where every command meets the transport.
//!
//! This module owns what happens to each APDU on its way to the chip and back: the cancellation
//! check (so a cancel from another thread takes effect within one APDU), encoding in short or
//! extended form within what the transport says the link carries ([`TransportInfo`]: extended
//! length, longest command), GET RESPONSE chaining (61xx) and Le correction (6Cxx) for plain commands,
//! secure messaging (protect before, unprotect after), re-running access control when the
//! secure-messaging session is out of sync, counters, and the redacted APDU trace.
//!
//! It does not know files, data groups or read strategies ([`crate::files`] does), and it does not
//! own the transport: the caller lends it for the duration of one operation. File reading never
//! knows whether it runs over plain or protected APDUs (JMRTD's wrapper idea).

use zeroize::Zeroizing;

use crate::access::{AccessKey, AccessKeyKind};
use crate::apdu::{Command, Response, Status, StatusWord};
use crate::bac::Bac;
use crate::error::{ChipError, Error, Result};
use crate::pace::params::PaceParams;
use crate::pace::terminal::{Pace, PaceOutcome};
use crate::rand::RandomSource;
use crate::sm::{SecureMessaging, Unprotected};
use crate::transport::{CancelToken, Transport, TransportInfo};

/// Counters of what crossed the link.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Command APDUs sent (GET RESPONSE included).
    pub apdus: u64,
    /// Bytes sent, headers included.
    pub bytes_sent: u64,
    /// Bytes received, status words included.
    pub bytes_received: u64,
    /// Access-control runs (the first one and every re-authentication).
    pub access_control_runs: u32,
}

/// One exchange as the redacted trace shows it: header, lengths and status, never data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApduTrace {
    /// CLA INS P1 P2 as sent (after protection).
    pub header: [u8; 4],
    /// Command data length as sent.
    pub nc: usize,
    /// Ne as sent.
    pub ne: Option<usize>,
    /// True when the command was sent in extended form.
    pub extended: bool,
    /// True when the command was protected by secure messaging.
    pub protected: bool,
    /// Response data length as received (before unprotection); 0 when the link failed.
    pub response_len: usize,
    /// Status word as received on the link (`None` when the link failed).
    pub sw: Option<StatusWord>,
    /// Status word after unprotection (the chip's real answer), when protected.
    pub inner_sw: Option<StatusWord>,
}

/// Receives the redacted trace of every exchange.
pub trait TraceSink {
    /// Called after every exchange.
    fn apdu(&self, _trace: &ApduTrace) {}
}

impl TraceSink for () {}

/// How access control is (re-)established on this channel.
pub enum AccessControl {
    /// No access control: plain APDUs.
    None,
    /// Basic Access Control with this key seed (from the MRZ).
    Bac {
        /// K_seed, the first 16 bytes of SHA-1 of the MRZ information.
        key_seed: Zeroizing<[u8; 16]>,
    },
    /// PACE with this password and these parameters, run where the chip currently is (the
    /// master file); `then` (e.g. SELECT of the eMRTD application) is sent protected right
    /// after, on every (re-)establishment.
    Pace {
        /// The password.
        key: AccessKey,
        /// Protocol, curve and parameter id.
        params: PaceParams,
        /// A command to send protected after PACE (re-selects the application).
        then: Option<Command>,
        /// Allow sending a PIN when the chip says one try is left.
        allow_last_pin_try: bool,
    },
}

impl core::fmt::Debug for AccessControl {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            AccessControl::None => f.write_str("AccessControl::None"),
            AccessControl::Bac { .. } => f.write_str("AccessControl::Bac(<redacted>)"),
            AccessControl::Pace { params, .. } => write!(f, "AccessControl::Pace({params:?})"),
        }
    }
}

/// How many times in a row the session may fall out of sync before the chip is declared broken.
const MAX_RESYNC: u32 = 3;

/// An APDU channel over a borrowed transport.
pub struct Channel<'a> {
    transport: &'a mut dyn Transport,
    info: TransportInfo,
    cancel: &'a CancelToken,
    trace: &'a dyn TraceSink,
    rng: &'a mut dyn RandomSource,
    access: AccessControl,
    sm: Option<SecureMessaging>,
    /// Set when the session fell out of sync; the next command re-runs access control.
    resync_needed: bool,
    /// Set when re-running access control failed: the channel had a protected session and has
    /// none now, so every later [`Channel::send`] fails instead of going out in the clear.
    /// Cleared by an explicit [`Channel::establish`].
    session_lost: bool,
    /// Incremented at every access-control run; file readers re-select after a change.
    epoch: u32,
    counters: Counters,
    /// The trace of a protected exchange, completed once the response is unprotected.
    pending_trace: Option<ApduTrace>,
    /// What the last PACE run established.
    pace: Option<PaceOutcome>,
}

impl<'a> Channel<'a> {
    /// A plain channel over `transport`.
    pub fn new(
        transport: &'a mut dyn Transport,
        cancel: &'a CancelToken,
        trace: &'a dyn TraceSink,
        rng: &'a mut dyn RandomSource,
    ) -> Self {
        let info = transport.info();
        Channel {
            transport,
            info,
            cancel,
            trace,
            rng,
            access: AccessControl::None,
            sm: None,
            resync_needed: false,
            session_lost: false,
            epoch: 0,
            counters: Counters::default(),
            pending_trace: None,
            pace: None,
        }
    }

    /// What the transport said about the link.
    pub fn transport_info(&self) -> TransportInfo {
        self.info
    }

    /// Counters so far.
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// The access-control epoch: changes every time access control runs, and already counts a
    /// re-authentication that is pending (so a file selection made before it is not reused).
    pub fn epoch(&self) -> u32 {
        self.epoch.wrapping_add(u32::from(self.resync_needed))
    }

    /// True when secure messaging is active.
    pub fn is_protected(&self) -> bool {
        self.sm.is_some()
    }

    /// The secure-messaging cipher in use, if any.
    pub fn sm_cipher(&self) -> Option<crate::crypto::SmCipher> {
        self.sm.as_ref().map(SecureMessaging::cipher)
    }

    /// Fails with [`Error::Cancelled`] when the caller cancelled.
    pub fn check_cancelled(&self) -> Result<()> {
        if self.cancel.is_cancelled() {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }

    /// Runs access control now and keeps its parameters for re-authentication.
    pub fn establish(&mut self, access: AccessControl) -> Result<()> {
        self.access = access;
        self.session_lost = false;
        self.run_access_control()
    }

    /// Runs access control again inside a read (after the session fell out of sync or a failed
    /// exchange). If that fails, the channel stays without a session for good: see
    /// `session_lost`.
    fn reestablish(&mut self) -> Result<()> {
        // (Without access control `run_access_control` cannot fail: no session was lost.)
        let result = self.run_access_control();
        self.session_lost = result.is_err();
        result
    }

    fn run_access_control(&mut self) -> Result<()> {
        self.sm = None;
        self.resync_needed = false;
        self.counters.access_control_runs = self.counters.access_control_runs.saturating_add(1);
        self.epoch = self.epoch.wrapping_add(1);
        let key_seed = match &self.access {
            AccessControl::None => return Ok(()),
            AccessControl::Bac { key_seed } => key_seed.clone(),
            AccessControl::Pace {
                key,
                params,
                then,
                allow_last_pin_try,
            } => {
                let (key, params, then) = (key.clone(), *params, then.clone());
                let allow_last = *allow_last_pin_try;
                return self.run_pace(&key, params, then, allow_last);
            }
        };
        let bac = Bac::new(&key_seed);
        let challenge = self.transmit_first_plain(&Bac::get_challenge())?;
        if !challenge.sw.is_success() {
            return Err(Error::Chip(ChipError::UnexpectedStatus {
                sw: challenge.sw,
                during: "GET CHALLENGE",
            }));
        }
        let (awaiting, command) = bac.authenticate(&challenge.data, &mut *self.rng)?;
        let response = self.transmit_plain(&command)?;
        self.sm = Some(awaiting.finish(&response)?);
        Ok(())
    }

    /// The random source lent to this channel.
    pub fn random(&mut self) -> &mut dyn RandomSource {
        &mut *self.rng
    }

    /// Replaces the secure-messaging session (after chip authentication re-keys it). The
    /// access control kept for re-establishment is unchanged: if the new session falls out of
    /// sync, access control runs again and chip authentication must be redone by the caller.
    pub fn replace_session(&mut self, sm: SecureMessaging) {
        self.sm = Some(sm);
    }

    /// What the last PACE run established, if PACE protects this channel.
    pub fn pace_outcome(&self) -> Option<&PaceOutcome> {
        self.pace.as_ref()
    }

    fn run_pace(
        &mut self,
        key: &AccessKey,
        params: PaceParams,
        then: Option<Command>,
        allow_last_pin_try: bool,
    ) -> Result<()> {
        let is_pin = key.kind() == AccessKeyKind::Pin;
        let (state, command) = Pace::new(params, key).mse_set_at();
        let r = self.transmit_first_plain(&command)?;
        let (state, command, status) = match state.on_set_at(&r) {
            Err(Error::AccessDenied(_)) if is_pin => return Err(Error::PinBlocked),
            // 6A88: this chip does not take this kind of password (e.g. the MRZ on a CAN-only
            // card): the caller should ask for another one.
            Err(Error::Chip(ChipError::UnexpectedStatus { sw, .. })) if sw.0 == 0x6A88 => {
                return Err(Error::Unsupported(
                    "the chip does not accept this kind of password for PACE (try the CAN)",
                ));
            }
            other => other?,
        };
        if is_pin {
            // The PIN's state, read before the first GENERAL AUTHENTICATE (TR-03110-2 §3.5).
            match status.0 {
                0x63C0 => return Err(Error::PinBlocked),
                0x6283 => return Err(Error::PinDeactivated),
                0x63C1 if !allow_last_pin_try => return Err(Error::PinSuspended),
                _ => {}
            }
        }
        let r = self.transmit_plain(&command)?;
        let (state, command) = state.on_nonce(&r, &mut *self.rng)?;
        let r = self.transmit_plain(&command)?;
        let (state, command) = state.on_mapping(&r, &mut *self.rng)?;
        let r = self.transmit_plain(&command)?;
        let (state, command) = state.on_key_agreement(&r)?;
        let r = self.transmit_plain(&command)?;
        let (sm, outcome) = state.finish(&r).map_err(|e| match e {
            Error::AccessDenied(sw) => Error::WrongPassword {
                tries_left: (is_pin && sw.0 & 0xFFF0 == 0x63C0).then_some((sw.0 & 0x0F) as u8),
            },
            other => other,
        })?;
        self.sm = Some(sm);
        self.pace = Some(outcome);
        if let Some(then) = then {
            let r = self.send(&then)?;
            if !r.sw.is_success() {
                return Err(if r.sw == StatusWord::FILE_NOT_FOUND {
                    Error::Unsupported("no eMRTD application")
                } else {
                    Error::Chip(ChipError::UnexpectedStatus {
                        sw: r.sw,
                        during: "SELECT eMRTD application",
                    })
                });
            }
        }
        Ok(())
    }

    /// Sends a command, protected when secure messaging is active, and returns the chip's
    /// answer. A session that fell out of sync is re-established first (bounded).
    pub fn send(&mut self, command: &Command) -> Result<Response> {
        let mut resyncs = 0u32;
        loop {
            if self.session_lost {
                // Never in the clear inside what was a protected session.
                return Err(Error::Chip(ChipError::MalformedSm(
                    "secure messaging could not be re-established",
                )));
            }
            if self.resync_needed {
                resyncs += 1;
                if resyncs > MAX_RESYNC {
                    return Err(Error::Chip(ChipError::MalformedSm(
                        "secure messaging keeps falling out of sync",
                    )));
                }
                self.reestablish()?;
            }
            let Some(sm) = self.sm.as_mut() else {
                return self.transmit_plain(command);
            };
            let extended = command.needs_extended();
            let protected = sm.protect(command, extended)?;
            let raw = self.exchange(&protected, extended, true)?;
            let Some(sm) = self.sm.as_mut() else {
                return Err(Error::Internal("secure messaging vanished"));
            };
            match sm.unprotect(&raw) {
                Ok(Unprotected::Verified(response)) => {
                    self.trace_inner(Some(response.sw));
                    return Ok(response);
                }
                Ok(Unprotected::StatusOnly(sw)) => {
                    // An unprotected status word: usable as a status only; the chip and we now
                    // disagree on the SSC. The next command re-runs access control.
                    self.trace_inner(Some(sw));
                    self.resync_needed = true;
                    if matches!(
                        sw.status(),
                        Status::SmObjectsIncorrect | Status::SmObjectsMissing
                    ) {
                        // The chip rejected our protection: retry after re-authentication.
                        continue;
                    }
                    return Ok(Response {
                        data: Vec::new(),
                        sw,
                    });
                }
                Err(e) if e.desynchronises_session() => {
                    self.trace_inner(None);
                    self.resync_needed = true;
                    if resyncs >= MAX_RESYNC {
                        return Err(e);
                    }
                    // Retry the same (idempotent) command on a fresh session.
                    continue;
                }
                Err(e) => {
                    self.trace_inner(None);
                    return Err(e);
                }
            }
        }
    }

    /// Sends the first (plain) command of access control. A chip that still has a session we
    /// lost track of (re-authentication after a failed exchange or a MAC failure) answers it
    /// 6987/6988 and ends that session: the command is sent once more.
    fn transmit_first_plain(&mut self, command: &Command) -> Result<Response> {
        let r = self.transmit_plain(command)?;
        if matches!(
            r.sw.status(),
            Status::SmObjectsMissing | Status::SmObjectsIncorrect
        ) {
            return self.transmit_plain(command);
        }
        Ok(r)
    }

    /// Sends a plain command, with GET RESPONSE chaining and Le correction.
    pub fn transmit_plain(&mut self, command: &Command) -> Result<Response> {
        let extended = command.needs_extended();
        let mut response = self.exchange(command, extended, false)?;
        // 6Cxx: resend once with the exact Le.
        if let Status::WrongLe(xx) = response.sw.status() {
            let ne = if xx == 0 { 256 } else { usize::from(xx) };
            let mut again = command.clone();
            again.ne = Some(ne);
            response = self.exchange(&again, false, false)?;
        }
        // 61xx: collect the rest with GET RESPONSE, bounded by the largest extended response.
        let mut data = core::mem::take(&mut response.data);
        let mut sw = response.sw;
        let mut rounds = 0u32;
        while let Status::MoreData(xx) = sw.status() {
            rounds += 1;
            if rounds > 256 || data.len() > crate::apdu::EXTENDED_MAX_NE {
                return Err(Error::Chip(ChipError::MalformedResponse {
                    during: "GET RESPONSE",
                    problem: "response chaining does not end",
                }));
            }
            let ne = if xx == 0 { 256 } else { usize::from(xx) };
            let get = Command::new(command.cla & 0x0C, 0xC0, 0, 0).with_ne(ne);
            let part = self.exchange(&get, false, false)?;
            data.extend_from_slice(&part.data);
            sw = part.sw;
        }
        Ok(Response { data, sw })
    }

    /// Sends a plain command in extended form (no chaining), to probe extended length.
    pub fn transmit_plain_extended(&mut self, command: &Command) -> Result<Response> {
        self.exchange(command, true, false)
    }

    /// One exchange on the link: cancellation check, encoding, the link's limits, counters,
    /// trace.
    fn exchange(&mut self, command: &Command, extended: bool, protected: bool) -> Result<Response> {
        self.trace_inner(None);
        self.check_cancelled()?;
        let bytes = if extended {
            command.encode_extended()
        } else {
            command.encode(false)
        }
        .map_err(|_| Error::Internal("command does not fit its APDU form"))?;
        // What the transport says it carries is a limit, not advice: a command in extended form
        // on a short-APDU link, or longer than the link's maximum, is never sent. The file
        // reader never asks for one; PACE or chip authentication with a 2048-bit DH key over a
        // short link would (its public key alone is 256 bytes), and cannot run there.
        if extended && !self.info.extended_length {
            return Err(Error::Unsupported(
                "a command needs extended length, which the link does not carry",
            ));
        }
        if bytes.len() > self.info.max_command_len {
            return Err(Error::Unsupported(
                "a command is longer than the link carries",
            ));
        }
        self.counters.apdus += 1;
        self.counters.bytes_sent += bytes.len() as u64;
        let mut trace = ApduTrace {
            header: command.header(),
            nc: command.data.len(),
            ne: command.ne,
            extended,
            protected,
            response_len: 0,
            sw: None,
            inner_sw: None,
        };
        let raw = match self.transport.transceive(&bytes) {
            Ok(raw) => raw,
            Err(e) => {
                // Whatever session existed is lost with the exchange: the chip may or may not
                // have seen the command, so the send sequence counters disagree. If the link is
                // still up (a response too long for it, a driver error) the caller may retry on
                // it: the next command must not go out in the clear inside what was a protected
                // session, so access control runs again first.
                if self.sm.take().is_some() {
                    self.resync_needed = true;
                }
                self.trace.apdu(&trace);
                return Err(Error::Transport(e));
            }
        };
        self.counters.bytes_received += raw.len() as u64;
        let response = Response::parse(&raw).ok_or(Error::Chip(ChipError::MalformedResponse {
            during: "APDU exchange",
            problem: "response shorter than a status word",
        }));
        if let Ok(r) = &response {
            trace.response_len = r.data.len();
            trace.sw = Some(r.sw);
        }
        if !protected {
            self.trace.apdu(&trace);
        } else {
            self.pending_trace = Some(trace);
        }
        response
    }

    fn trace_inner(&mut self, sw: Option<StatusWord>) {
        if let Some(mut t) = self.pending_trace.take() {
            t.inner_sw = sw;
            self.trace.apdu(&t);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;
    use crate::rand::FixedRandom;
    use crate::transport::TransportError;

    /// A link that records what it is given and answers 90 00.
    struct Link {
        info: TransportInfo,
        sent: Vec<usize>,
    }

    impl Transport for Link {
        fn transceive(&mut self, command: &[u8]) -> core::result::Result<Vec<u8>, TransportError> {
            self.sent.push(command.len());
            Ok(vec![0x90, 0x00])
        }
        fn info(&self) -> TransportInfo {
            self.info
        }
    }

    /// Sends `command` in plain over a link with `info`: the result and the lengths sent.
    fn send(info: TransportInfo, command: &Command) -> (Result<Response>, Vec<usize>) {
        let mut link = Link {
            info,
            sent: Vec::new(),
        };
        let cancel = CancelToken::new();
        let mut rng = FixedRandom::new(vec![0; 64]);
        let r = Channel::new(&mut link, &cancel, &(), &mut rng).send(command);
        (r, link.sent)
    }

    #[test]
    fn commands_stay_within_what_the_link_carries() {
        let short = TransportInfo::default();
        let extended = TransportInfo {
            max_command_len: 65_544,
            max_response_len: 65_538,
            extended_length: true,
        };
        // The longest short command (255 bytes of data, Le): 261 bytes, sent.
        let longest_short = Command::new(0, 0x86, 0, 0)
            .with_data(vec![1; 255])
            .with_ne(256);
        let (r, sent) = send(short, &longest_short);
        assert!(r.is_ok());
        assert_eq!(sent, [261]);
        // One byte more needs the extended form: never sent over a short link...
        let dh_2048 = Command::new(0, 0x86, 0, 0)
            .with_data(vec![1; 264])
            .with_ne(256);
        let (r, sent) = send(short, &dh_2048);
        assert!(
            matches!(r, Err(Error::Unsupported(m)) if m.contains("extended length")),
            "{r:?}"
        );
        assert!(sent.is_empty());
        // ... nor a Ne above 256.
        let (r, sent) = send(short, &Command::new(0, 0xB0, 0, 0).with_ne(1000));
        assert!(matches!(r, Err(Error::Unsupported(_))), "{r:?}");
        assert!(sent.is_empty());
        // An extended link takes it...
        let (r, sent) = send(extended, &dh_2048);
        assert!(r.is_ok());
        assert_eq!(sent, [4 + 3 + 264 + 2]);
        // ... unless the command is longer than its maximum.
        let narrow = TransportInfo {
            max_command_len: 261,
            ..extended
        };
        let (r, sent) = send(narrow, &dh_2048);
        assert!(
            matches!(r, Err(Error::Unsupported(m)) if m.contains("longer")),
            "{r:?}"
        );
        assert!(sent.is_empty());
        let (r, sent) = send(narrow, &longest_short);
        assert!(r.is_ok());
        assert_eq!(sent, [261]);
        // A link that says it carries less than a short APDU is taken at its word.
        let tiny = TransportInfo {
            max_command_len: 253,
            ..short
        };
        let (r, sent) = send(tiny, &longest_short);
        assert!(matches!(r, Err(Error::Unsupported(_))), "{r:?}");
        assert!(sent.is_empty());
        assert_eq!(
            Error::Unsupported("x").kind(),
            crate::ErrorKind::UnsupportedDocument
        );
    }
}
