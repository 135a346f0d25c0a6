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
                Err(TransportError::Unexpected {
                    reason: "java.lang.IllegalStateException: bug".into(),
                })
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
