//! Multi-application cards: the core's reader reads EF.DIR at the master file, SELECTs every
//! application it lists (reporting the listed-but-absent ones, 6A82), goes back to the MF, runs
//! PACE there and then selects the eMRTD application; `probe` reports the same survey.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::cell::RefCell;

use monid_core::access::AccessKey;
use monid_core::channel::ApduTrace;
use monid_core::lds::FileId;
use monid_core::reader::{
    AccessProtocol, ApplicationStatus, Applications, DocumentReader, EfDirState, ReadListener,
    ReadOptions, probe,
};
use monid_core::{ErrorKind, rand::SystemRandom};
use monid_vchip::{
    AID_EID, AID_EMRTD, AID_LDS2_TRAVEL_RECORDS, FID_DIR, Misbehaviour, Profile, VirtualChip,
};

#[derive(Default)]
struct Headers(RefCell<Vec<([u8; 4], bool, u16)>>);

impl ReadListener for Headers {
    fn apdu(&self, t: &ApduTrace) {
        let sw = t.inner_sw.or(t.sw).map_or(0, |s| s.0);
        self.0.borrow_mut().push((t.header, t.protected, sw));
    }
}

fn can(profile: &Profile) -> AccessKey {
    AccessKey::can(profile.can()).unwrap()
}

fn statuses(apps: &Applications) -> Vec<(Vec<u8>, ApplicationStatus)> {
    apps.listed
        .iter()
        .map(|a| (a.aid.clone(), a.status))
        .collect()
}

#[test]
fn multi_application_card_reports_absent_applications_and_reads_the_emrtd() {
    let profile = Profile::cnie_td1_multi_app();
    let mut chip = VirtualChip::new(profile.clone());
    let listener = Headers::default();
    let raw = DocumentReader::new(can(&profile), ReadOptions::default())
        .read(&mut chip, &listener)
        .unwrap();
    assert_eq!(raw.link.protocol, AccessProtocol::Pace);
    assert_eq!(raw.file(FileId::Dg1), chip.file(0x0101));
    let apps = raw.applications.clone().unwrap();
    assert_eq!(
        apps.ef_dir,
        EfDirState::Present {
            skipped: 0,
            malformed_tail: false
        }
    );
    assert_eq!(
        statuses(&apps),
        vec![
            (AID_EMRTD.to_vec(), ApplicationStatus::Present),
            (
                AID_LDS2_TRAVEL_RECORDS.to_vec(),
                ApplicationStatus::NotFound
            ),
            (AID_EID.to_vec(), ApplicationStatus::Present),
        ]
    );
    assert_eq!(apps.listed[0].name, Some("eMRTD LDS1"));
    assert_eq!(apps.listed[1].label.as_deref(), Some("LDS2 TRAVEL"));
    let absent: Vec<_> = apps.listed_but_absent().map(|a| a.aid.clone()).collect();
    assert_eq!(absent, vec![AID_LDS2_TRAVEL_RECORDS.to_vec()]);

    // The order on the link: EF.DIR, plain SELECTs of the two other applications (not the
    // eMRTD one), SELECT MF, then PACE at the MF and the protected SELECT of the eMRTD.
    let log = listener.0.borrow();
    let select_aid = |h: &[u8; 4]| h[1] == 0xA4 && h[2] == 0x04;
    let plain_selects: Vec<u16> = log
        .iter()
        .filter(|(h, p, _)| select_aid(h) && !p)
        .map(|(_, _, sw)| *sw)
        .collect();
    assert_eq!(plain_selects, vec![0x6A82, 0x9000]);
    let mf = log
        .iter()
        .position(|(h, p, _)| h == &[0x00, 0xA4, 0x00, 0x0C] && !p)
        .expect("SELECT MF");
    let set_at = log
        .iter()
        .position(|(h, _, _)| h == &[0x00, 0x22, 0xC1, 0xA4])
        .unwrap();
    assert!(mf < set_at, "PACE runs at the MF, after the survey");
    let emrtd = log
        .iter()
        .position(|(h, p, _)| select_aid(h) && *p)
        .unwrap();
    assert!(emrtd > set_at);
}

#[test]
fn probe_lists_the_applications() {
    let profile = Profile::cnie_td1_multi_app();
    let mut chip = VirtualChip::new(profile.clone());
    let report = probe(&mut chip, &can(&profile), &(), &mut SystemRandom).unwrap();
    assert_eq!(report.protocol, AccessProtocol::Pace);
    assert_eq!(
        statuses(&report.applications),
        vec![
            (AID_EMRTD.to_vec(), ApplicationStatus::Present),
            (
                AID_LDS2_TRAVEL_RECORDS.to_vec(),
                ApplicationStatus::NotFound
            ),
            (AID_EID.to_vec(), ApplicationStatus::Present),
        ]
    );

    // No EF.DIR: absent, one APDU.
    let profile = Profile::cnie_td1();
    let mut chip = VirtualChip::new(profile.clone());
    let report = probe(&mut chip, &can(&profile), &(), &mut SystemRandom).unwrap();
    assert_eq!(report.applications.ef_dir, EfDirState::Absent);
    assert!(report.applications.listed.is_empty());
}

#[test]
fn ef_dir_absent_malformed_or_on_a_bac_passport() {
    // No EF.DIR at all (the CNIE profile): nothing listed, the read is unchanged.
    let profile = Profile::cnie_td1();
    let mut chip = VirtualChip::new(profile.clone());
    let raw = DocumentReader::new(can(&profile), ReadOptions::default())
        .read(&mut chip, &())
        .unwrap();
    let apps = raw.applications.unwrap();
    assert_eq!(apps.ef_dir, EfDirState::Absent);
    assert!(apps.listed.is_empty());

    // Garbage in EF.DIR is recorded, not an error.
    let profile = Profile::cnie_td1().with_ef_dir(vec![0x61, 0x85, 0x01]);
    let mut chip = VirtualChip::new(profile.clone());
    let raw = DocumentReader::new(can(&profile), ReadOptions::default())
        .read(&mut chip, &())
        .unwrap();
    assert_eq!(raw.applications.unwrap().ef_dir, EfDirState::Malformed);

    // A BAC passport whose EF.DIR lists only the eMRTD application: no extra SELECT.
    let dir = monid_core::lds::dir::encode(&[&AID_EMRTD]);
    let profile = Profile::passport_td3().with_ef_dir(dir.clone());
    assert_eq!(profile.file(FID_DIR), Some(&dir[..]));
    let mut chip = VirtualChip::new(profile.clone());
    let key = AccessKey::mrz(
        profile.document_number(),
        profile.date_of_birth(),
        profile.date_of_expiry(),
    )
    .unwrap();
    let listener = Headers::default();
    let raw = DocumentReader::new(key, ReadOptions::default())
        .read(&mut chip, &listener)
        .unwrap();
    assert_eq!(raw.link.protocol, AccessProtocol::Bac);
    assert_eq!(
        statuses(&raw.applications.unwrap()),
        vec![(AID_EMRTD.to_vec(), ApplicationStatus::Present)]
    );
    let selects = listener
        .0
        .borrow()
        .iter()
        .filter(|(h, _, _)| h[1] == 0xA4 && h[2] == 0x04)
        .count();
    assert_eq!(selects, 1);
}

/// A link drop at every APDU of the survey and of PACE: the resumed call finishes the read and
/// reports the applications once.
#[test]
fn resumes_after_a_drop_during_the_survey() {
    let profile = Profile::cnie_td1_multi_app();
    for n in 0..12 {
        let mut chip = VirtualChip::new(profile.clone())
            .with_misbehaviour(Misbehaviour::new().drop_link_after(n));
        let mut reader = DocumentReader::new(can(&profile), ReadOptions::default());
        let err = reader.read(&mut chip, &()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TagLost, "drop after {n}: {err}");
        chip.reconnect();
        let raw = reader
            .read(&mut chip, &())
            .unwrap_or_else(|e| panic!("resume after drop at {n}: {e}"));
        let apps = raw.applications.unwrap();
        assert_eq!(apps.listed.len(), 3, "drop after {n}");
        assert_eq!(apps.listed_but_absent().count(), 1, "drop after {n}");
        assert_eq!(apps.listed[0].status, ApplicationStatus::Present);
    }
}
