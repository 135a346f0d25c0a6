//! Face image decoding (JPEG, JPEG 2000 codestream and JP2) on the synthetic faces in
//! test-vectors/faces (see its SOURCE.md), through DG2, with hostile headers and mutations.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use monid_core::face::{DecodeLimits, FaceError, Pixels, decode_face, decode_image};
use monid_core::lds::{Dg2, ImageFormat};

fn face(name: &str) -> Vec<u8> {
    let p = format!(
        "{}/../test-vectors/faces/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn lds(name: &str) -> Vec<u8> {
    let p = format!("{}/../test-vectors/lds/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

const BACKGROUND: [u8; 3] = [40, 90, 200];
const SKIN: [u8; 3] = [240, 200, 160];
const EYE: [u8; 3] = [20, 20, 20];
const MOUTH: [u8; 3] = [200, 30, 30];

fn grey(c: [u8; 3]) -> [u8; 3] {
    // ITU-R 601 luma, as Pillow's convert("L").
    let l = (u32::from(c[0]) * 299 + u32::from(c[1]) * 587 + u32::from(c[2]) * 114) / 1000;
    [l as u8; 3]
}

fn close(p: &Pixels, x: u32, y: u32, want: [u8; 3], tol: i32, what: &str) {
    let got = p.get(x, y).unwrap();
    for i in 0..3 {
        assert!(
            (i32::from(got[i]) - i32::from(want[i])).abs() <= tol,
            "{what} at ({x},{y}): got {got:?}, want {want:?}"
        );
    }
}

fn check(p: &Pixels, is_grey: bool, what: &str) {
    assert_eq!((p.width, p.height), (120, 160), "{what}");
    assert_eq!(p.rgb.len(), 120 * 160 * 3, "{what}");
    let c = |v: [u8; 3]| if is_grey { grey(v) } else { v };
    for (x, y) in [(2, 2), (117, 2), (2, 157), (117, 157)] {
        close(p, x, y, c(BACKGROUND), 12, what);
    }
    close(p, 60, 80, c(SKIN), 16, what);
    close(p, 42, 62, c(EYE), 24, what);
    close(p, 78, 62, c(EYE), 24, what);
    close(p, 60, 112, c(MOUTH), 24, what);
    if is_grey {
        assert!(p.rgb.chunks(3).all(|px| px[0] == px[1] && px[1] == px[2]));
    }
}

#[test]
fn decodes_every_synthetic_face() {
    let limits = DecodeLimits::default();
    for (name, is_grey) in [
        ("face_rgb.jpg", false),
        ("face_grey.jpg", true),
        ("face_rgb.jp2", false),
        ("face_grey.jp2", true),
        ("face_rgb.j2c", false),
        ("face_grey.j2c", true),
    ] {
        let p = decode_image(&face(name), &limits).unwrap_or_else(|e| panic!("{name}: {e}"));
        check(&p, is_grey, name);
        assert!(!format!("{p:?}").contains('['));
    }
}

#[test]
fn decodes_faces_from_dg2() {
    for file in [
        "dg2_19794_jpeg.bin",
        "dg2_19794_vicc.bin",
        "dg2_19794_jp2.bin",
        "dg2_39794_jpeg.bin",
        "dg2_39794_j2c.bin",
    ] {
        let dg2 = Dg2::parse(&lds(file)).unwrap();
        let img = &dg2.faces[0];
        let p = decode_face(img).unwrap_or_else(|e| panic!("{file}: {e}"));
        check(&p, false, file);
        assert_eq!(
            (img.width.map(u32::from), img.height.map(u32::from)),
            (Some(p.width), Some(p.height))
        );
    }
}

/// Offset of the JPEG SOF0/SOF2 segment's height field.
fn sof_dims_at(jpeg: &[u8]) -> usize {
    (0..jpeg.len() - 1)
        .find(|&i| jpeg[i] == 0xFF && (jpeg[i + 1] == 0xC0 || jpeg[i + 1] == 0xC2))
        .unwrap()
        + 5
}

#[test]
fn refuses_oversized_images_before_decoding() {
    let limits = DecodeLimits::default();
    // JPEG claiming 65535 x 65535.
    let mut jpg = face("face_rgb.jpg");
    let at = sof_dims_at(&jpg);
    jpg[at..at + 4].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);
    assert_eq!(
        decode_image(&jpg, &limits).unwrap_err(),
        FaceError::TooLarge {
            width: 65535,
            height: 65535
        }
    );
    // JPEG 2000 codestream claiming 5000 x 5000 (Xsiz/Ysiz at 8..16), and the same inside JP2.
    let mut j2c = face("face_rgb.j2c");
    j2c[8..12].copy_from_slice(&5000u32.to_be_bytes());
    j2c[12..16].copy_from_slice(&5000u32.to_be_bytes());
    assert!(matches!(
        decode_image(&j2c, &limits),
        Err(FaceError::TooLarge { width: 5000, .. })
    ));
    let mut jp2 = face("face_rgb.jp2");
    let cs = (0..jp2.len() - 4)
        .find(|&i| jp2[i..i + 4] == [0xFF, 0x4F, 0xFF, 0x51])
        .unwrap();
    jp2[cs + 8..cs + 12].copy_from_slice(&0x7FFF_FFFFu32.to_be_bytes());
    assert!(matches!(
        decode_image(&jp2, &limits),
        Err(FaceError::TooLarge { .. })
    ));
    // Tighter limits than the real image.
    let small = DecodeLimits {
        max_width: 100,
        ..limits
    };
    for name in ["face_rgb.jpg", "face_rgb.jp2", "face_rgb.j2c"] {
        assert_eq!(
            decode_image(&face(name), &small).unwrap_err(),
            FaceError::TooLarge {
                width: 120,
                height: 160
            },
            "{name}"
        );
    }
    let few_bytes = DecodeLimits {
        max_rgb_bytes: 120 * 160 * 3 - 1,
        ..limits
    };
    assert!(decode_image(&face("face_rgb.jpg"), &few_bytes).is_err());
}

#[test]
fn rejects_garbage() {
    let limits = DecodeLimits::default();
    assert_eq!(
        decode_image(b"GIF89a....", &limits).unwrap_err(),
        FaceError::UnknownFormat
    );
    assert_eq!(
        decode_image(&[], &limits).unwrap_err(),
        FaceError::UnknownFormat
    );
    // Cut inside the headers: always an error.
    for name in ["face_rgb.jpg", "face_rgb.jp2", "face_rgb.j2c"] {
        let data = face(name);
        for cut in [3usize, 4, 12, 20, 40] {
            assert!(decode_image(&data[..cut], &limits).is_err(), "{name} {cut}");
        }
    }
    // Cut inside the JPEG entropy-coded data: an error. (hayro-jpeg2000 in its default,
    // non-strict mode decodes a JPEG 2000 stream truncated after its headers at lower quality,
    // as JPEG 2000's progressive design allows; that is accepted.)
    let jpg = face("face_rgb.jpg");
    assert!(decode_image(&jpg[..jpg.len() / 2], &limits).is_err());
    let j2c = face("face_rgb.j2c");
    if let Ok(p) = decode_image(&j2c[..j2c.len() / 2], &limits) {
        assert_eq!((p.width, p.height), (120, 160));
    }
    // Magic only.
    assert!(matches!(
        decode_image(&[0xFF, 0xD8, 0xFF], &limits),
        Err(FaceError::Malformed {
            format: ImageFormat::Jpeg
        })
    ));
    assert!(matches!(
        decode_image(&[0xFF, 0x4F, 0xFF, 0x51], &limits),
        Err(FaceError::Malformed {
            format: ImageFormat::Jpeg2000
        })
    ));
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn no_panic_escapes_on_mutated_images() {
    // Small limits keep each attempt cheap; the header parsers and decoders still run.
    let limits = DecodeLimits {
        max_width: 512,
        max_height: 512,
        max_rgb_bytes: 512 * 512 * 3,
        max_tiles: 64,
    };
    let mut rng = Rng(0x0123_4567_89AB_CDEF);
    let mut panics = 0;
    for name in [
        "face_grey.jpg",
        "face_grey.j2c",
        "face_grey.jp2",
        "face_rgb.jpg",
    ] {
        let base = face(name);
        for _ in 0..250 {
            let mut m = base.clone();
            for _ in 0..1 + rng.below(4) {
                // Mostly early bytes (headers), sometimes anywhere.
                let span = if rng.below(3) == 0 {
                    m.len()
                } else {
                    200.min(m.len())
                };
                let i = 3 + rng.below(span - 3);
                match rng.below(3) {
                    0 => m[i] = rng.next() as u8,
                    1 => m[i] ^= 1 << rng.below(8),
                    _ => m.truncate(i.max(4)),
                }
            }
            if let Err(FaceError::DecoderPanicked { .. }) = decode_image(&m, &limits) {
                panics += 1;
            }
        }
    }
    eprintln!("caught decoder panics: {panics} of 1000");
    // Caught panics are allowed (that is what the guard is for) but should be rare.
    assert!(panics < 50, "{panics} decoder panics caught");
}
