//! Rust-side checks of the exported API over the virtual card (the platform tests repeat these
//! scenarios in Kotlin and Swift).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use monid::vchip::VirtualCard;
use monid::{AccessKey, DocumentReader, MonidError, default_read_options};

#[test]
fn full_read_and_lost_tag_resume() {
    let card = VirtualCard::cnie();
    let reader =
        DocumentReader::new(AccessKey::can(card.can()).unwrap(), default_read_options()).unwrap();
    let doc = reader.read(Arc::clone(&card).transport(), None).unwrap();
    let full = doc.stats().apdus;
    eprintln!("full read: {full} APDUs, card index {}", card.apdu_count());
    assert!(full > 10);

    let card = VirtualCard::cnie();
    card.lose_tag_after(full / 2);
    let reader =
        DocumentReader::new(AccessKey::can(card.can()).unwrap(), default_read_options()).unwrap();
    let err = reader
        .read(Arc::clone(&card).transport(), None)
        .unwrap_err();
    assert!(matches!(err, MonidError::TagLost(_)), "{err:?}");
    card.reconnect();
    let doc = reader.read(Arc::clone(&card).transport(), None).unwrap();
    assert_eq!(doc.stats().calls, 2);
}

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use monid::reader::ReadProgress;
use monid::{
    CancellationToken, ListenerError, NfcTransport, ReadProgressListener, TransportError,
    TransportInfo,
};

/// Forwards to the card; runs `hook(index)` before each APDU.
struct Hooked<F: Fn(u64) -> Result<(), TransportError> + Send + Sync> {
    card: Arc<VirtualCard>,
    sent: AtomicU64,
    hook: F,
}

impl<F: Fn(u64) -> Result<(), TransportError> + Send + Sync> NfcTransport for Hooked<F> {
    fn transceive(&self, apdu: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        (self.hook)(self.sent.load(Ordering::SeqCst))?;
        self.sent.fetch_add(1, Ordering::SeqCst);
        self.card.process(apdu)
    }
    fn info(&self) -> Result<TransportInfo, TransportError> {
        Ok(self.card.info())
    }
}

fn reader_for(card: &VirtualCard) -> Arc<DocumentReader> {
    DocumentReader::new(AccessKey::can(card.can()).unwrap(), default_read_options()).unwrap()
}

#[test]
fn an_unexpected_transport_error_is_internal_and_the_read_resumes() {
    let card = VirtualCard::cnie();
    let reader = reader_for(&card);
    let t = Arc::new(Hooked {
        card: Arc::clone(&card),
        sent: AtomicU64::new(0),
        hook: |i| {
            if i == 12 {
                // What uniffi hands Rust for a Kotlin exception the transport does not declare:
                // its stackTraceToString(), message (here personal data) included.
                Err(uniffi::UnexpectedUniFFICallbackError::new(
                    "java.lang.IllegalStateException: tag 04:A2:19:7C, holder ERIKSSON ANNA\n\tat org.example.Nfc.transceive(Nfc.kt:42)",
                )
                .into())
            } else {
                Ok(())
            }
        },
    });
    let err = reader.read(t, None).unwrap_err();
    assert!(
        matches!(&err, MonidError::Internal(m) if m.contains("IllegalStateException")),
        "{err:?}"
    );
    // The message is safe to log: the exception's type, never its message or stack.
    let text = err.to_string();
    for leaked in ["ERIKSSON", "04:A2", "Nfc.kt"] {
        assert!(!text.contains(leaked), "{text}");
    }
    card.reconnect();
    assert!(reader.read(Arc::clone(&card).transport(), None).is_ok());
}

#[test]
fn cancel_from_another_thread_stops_within_one_apdu() {
    let card = VirtualCard::cnie();
    let reader = reader_for(&card);
    let token: Arc<CancellationToken> = reader.cancellation_token();
    let t = Arc::new(Hooked {
        card: Arc::clone(&card),
        sent: AtomicU64::new(0),
        hook: move |i| {
            if i == 20 {
                let token = Arc::clone(&token);
                std::thread::spawn(move || token.cancel()).join().unwrap();
            }
            Ok(())
        },
    });
    let err = reader
        .read(Arc::clone(&t) as Arc<dyn NfcTransport>, None)
        .unwrap_err();
    assert!(matches!(err, MonidError::Cancelled(_)), "{err:?}");
    assert_eq!(t.sent.load(Ordering::SeqCst), 21);
}

struct Throwing(Mutex<u64>);

impl ReadProgressListener for Throwing {
    fn on_progress(&self, _p: ReadProgress) -> Result<(), ListenerError> {
        *self.0.lock().unwrap() += 1;
        Err(ListenerError::Failed {
            reason: "listener bug".into(),
        })
    }
}

#[test]
fn a_throwing_listener_is_counted_and_ignored() {
    let card = VirtualCard::cnie();
    let reader = reader_for(&card);
    let l = Arc::new(Throwing(Mutex::new(0)));
    let doc = reader
        .read(
            Arc::clone(&card).transport(),
            Some(Arc::clone(&l) as Arc<dyn ReadProgressListener>),
        )
        .unwrap();
    let calls = *l.0.lock().unwrap();
    assert!(calls > 0);
    assert_eq!(doc.stats().listener_failures, calls);
}

#[test]
fn bad_options_and_keys_are_invalid_input() {
    assert!(matches!(
        AccessKey::can("12a456".into()),
        Err(MonidError::InvalidInput(_))
    ));
    let mut o = default_read_options();
    o.active_authentication_challenge = Some(vec![1, 2, 3]);
    let card = VirtualCard::cnie();
    let key = AccessKey::can(card.can()).unwrap();
    assert!(matches!(
        DocumentReader::new(key, o),
        Err(MonidError::InvalidInput(_))
    ));
    let dbg = format!("{:?}", AccessKey::can("123456".into()).unwrap());
    assert!(!dbg.contains("123456"), "{dbg}");
}

/// `Hooked`, but `info()` throws something undeclared (the platform could not say).
struct NoInfo<F: Fn(u64) -> Result<(), TransportError> + Send + Sync>(Hooked<F>);

impl<F: Fn(u64) -> Result<(), TransportError> + Send + Sync> NfcTransport for NoInfo<F> {
    fn transceive(&self, apdu: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        self.0.transceive(apdu)
    }
    fn info(&self) -> Result<TransportInfo, TransportError> {
        Err(TransportError::Unexpected {
            reason: "java.lang.IllegalStateException: no info".into(),
        })
    }
}

fn no_info(card: &Arc<VirtualCard>) -> Arc<dyn NfcTransport> {
    Arc::new(NoInfo(Hooked {
        card: Arc::clone(card),
        sent: AtomicU64::new(0),
        hook: |_| Ok(()),
    }))
}

#[test]
fn a_throwing_info_only_means_short_apdus() {
    // A whole read: short APDUs only.
    let card = VirtualCard::cnie();
    let doc = reader_for(&card).read(no_info(&card), None).unwrap();
    assert!(!doc.link().extended_length);
    // Failures keep their kind: a lost tag is TagLost (resumable), not Internal...
    let card = VirtualCard::cnie();
    card.lose_tag_after(40);
    let reader = reader_for(&card);
    let err = reader.read(no_info(&card), None).unwrap_err();
    assert!(matches!(err, MonidError::TagLost(_)), "{err:?}");
    card.reconnect();
    assert!(reader.read(no_info(&card), None).is_ok());
    // ... and a wrong CAN is WrongAccessKey.
    let card = VirtualCard::cnie();
    let wrong: String = card
        .can()
        .chars()
        .map(|c| if c == '0' { '1' } else { '0' })
        .collect();
    let reader =
        DocumentReader::new(AccessKey::can(wrong).unwrap(), default_read_options()).unwrap();
    let err = reader.read(no_info(&card), None).unwrap_err();
    assert!(matches!(err, MonidError::WrongAccessKey(_)), "{err:?}");
}

/// A transport whose first protected extended READ BINARY throws something undeclared (the
/// file reader then steps down to short reads and goes on); the next APDU finds the tag gone.
struct ThrowsThenLosesTheTag {
    card: Arc<VirtualCard>,
    thrown: std::sync::atomic::AtomicBool,
}

impl NfcTransport for ThrowsThenLosesTheTag {
    fn transceive(&self, apdu: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        if self.thrown.load(Ordering::SeqCst) {
            return Err(TransportError::TagLost);
        }
        let extended_read =
            apdu.len() >= 7 && apdu[0] == 0x0C && apdu[4] == 0 && matches!(apdu[1], 0xB0 | 0xB1);
        if extended_read {
            self.thrown.store(true, Ordering::SeqCst);
            return Err(TransportError::Unexpected {
                reason: "java.lang.IllegalStateException: flaky".into(),
            });
        }
        self.card.process(apdu)
    }
    fn info(&self) -> Result<TransportInfo, TransportError> {
        Ok(self.card.info())
    }
}

#[test]
fn only_the_failure_that_ends_the_read_decides_its_kind() {
    let card = VirtualCard::cnie();
    let t = Arc::new(ThrowsThenLosesTheTag {
        card: Arc::clone(&card),
        thrown: std::sync::atomic::AtomicBool::new(false),
    });
    let reader = reader_for(&card);
    let err = reader.read(t.clone(), None).unwrap_err();
    assert!(t.thrown.load(Ordering::SeqCst));
    assert!(matches!(err, MonidError::TagLost(_)), "{err:?}");
}

/// True for a READ BINARY sent under secure messaging in extended form.
fn protected_extended_read(apdu: &[u8]) -> bool {
    apdu.len() >= 7 && apdu[0] == 0x0C && apdu[4] == 0 && matches!(apdu[1], 0xB0 | 0xB1)
}

/// A link that fails (a declared I/O error) on the first protected extended READ BINARY, as
/// some phones carry extended APDUs badly, then works.
struct FailsOneExtendedRead {
    card: Arc<VirtualCard>,
    failed: std::sync::atomic::AtomicBool,
}

impl NfcTransport for FailsOneExtendedRead {
    fn transceive(&self, apdu: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        if protected_extended_read(&apdu) && !self.failed.swap(true, Ordering::SeqCst) {
            return Err(TransportError::Io {
                reason: "transceive failed".into(),
            });
        }
        self.card.process(apdu)
    }
    fn info(&self) -> Result<TransportInfo, TransportError> {
        Ok(self.card.info())
    }
}

#[test]
fn after_a_link_failure_the_read_steps_down_under_a_new_session() {
    let card = VirtualCard::cnie();
    let t = Arc::new(FailsOneExtendedRead {
        card: Arc::clone(&card),
        failed: std::sync::atomic::AtomicBool::new(false),
    });
    let doc = reader_for(&card).read(t.clone(), None).unwrap();
    assert!(t.failed.load(Ordering::SeqCst));
    assert!(!doc.link().extended_length, "stepped down to short reads");
    // The secure-messaging session died with the failed exchange: access control ran again
    // before the next command instead of that command going out in plain.
    assert_eq!(doc.stats().access_control_runs, 2);
}

/// A platform transport that answers every protected extended READ BINARY with 70 000 bytes
/// (more than any response the core asks for) instead of the chip's answer.
struct Oversized {
    card: Arc<VirtualCard>,
    oversized: AtomicU64,
}

impl NfcTransport for Oversized {
    fn transceive(&self, apdu: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        if protected_extended_read(&apdu) {
            self.oversized.fetch_add(1, Ordering::SeqCst);
            let mut junk = vec![0x87; 70_000];
            junk.extend_from_slice(&[0x90, 0x00]);
            return Ok(junk);
        }
        self.card.process(apdu)
    }
    fn info(&self) -> Result<TransportInfo, TransportError> {
        Ok(self.card.info())
    }
}

#[test]
fn an_oversized_response_is_refused_and_the_read_steps_down() {
    let card = VirtualCard::cnie();
    let t = Arc::new(Oversized {
        card: Arc::clone(&card),
        oversized: AtomicU64::new(0),
    });
    let doc = reader_for(&card).read(t.clone(), None).unwrap();
    // Refused as too long (not parsed as a broken secure-messaging answer): the file reader
    // stepped down to short reads at once.
    assert_eq!(t.oversized.load(Ordering::SeqCst), 1);
    assert!(!doc.link().extended_length);
    assert_eq!(doc.summary().issuing_state.unwrap().value(), "UTO");
}
