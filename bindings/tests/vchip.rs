//! Rust-side checks of the exported API over the virtual card (the platform tests repeat these
//! scenarios in Kotlin and Swift).
#![cfg(feature = "vchip")]
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
