#!/usr/bin/env python3
"""Generate the LDS test files used by monid-core's tests (core/tests/lds.rs).

Written independently of the Rust parsers, from ICAO Doc 9303-10 (LDS), ISO/IEC 19794-5:2005,
ISO/IEC 39794-5 (ASN.1 module ID-ICAO-ISO-IEC-39794-5-ed-1-v1) and the ICAO "ISO/IEC 39794-5
Application Profile for eMRTDs" v1.00 Table 2 (DO 7F2E holds A1 { 65 ... }). See SOURCE.md.

    python3 test-vectors/lds/make_lds.py

Inputs: ../faces/*.jpg|jp2|j2c (make_faces.py), keys.json (Wycheproof SPKIs, BSI EF.CardSecurity).
Outputs: *.bin next to this script and expected.json (what the tests check).
"""

import json
import os

here = os.path.dirname(os.path.abspath(__file__))
faces = os.path.join(here, "..", "faces")


def enc_len(n: int, vicc: bool = False) -> bytes:
    # DER minimal lengths; vicc's TLVutils.pack switches to the long form from 0x7F on.
    limit = 0x7F if vicc else 0x80
    if n < limit:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag: int, value: bytes, vicc: bool = False) -> bytes:
    t = tag.to_bytes((tag.bit_length() + 7) // 8 or 1, "big")
    return t + enc_len(len(value), vicc) + value


def der_int(n: int) -> bytes:
    b = n.to_bytes(max(1, (n.bit_length() + 8) // 8), "big")  # keep a leading 0 when bit 7 set
    return b


def read(name: str) -> bytes:
    with open(os.path.join(faces, name), "rb") as f:
        return f.read()


# ---- ISO/IEC 19794-5:2005 -------------------------------------------------------------------
def iso19794_5_vicc(image: bytes, width: int, height: int) -> bytes:
    # Exactly as vicc's CardGenerator builds it: zeroed facial information, face image type 0,
    # image data type 1 (JPEG 2000) whatever the image is.
    iib = b"\x00\x01" + width.to_bytes(2, "big") + height.to_bytes(2, "big") + 6 * b"\x00"
    length = 32 + len(image)
    fib = length.to_bytes(4, "big") + 16 * b"\x00"
    frh = b"FAC\x00" + b"010\x00" + (14 + length).to_bytes(4, "big") + (1).to_bytes(2, "big")
    return frh + fib + iib + image


def iso19794_5(image: bytes, data_type: int, width: int, height: int, points: int = 0) -> bytes:
    facial_info = (
        (0).to_bytes(2, "big")  # placeholder for the 4-byte length, fixed below
    )
    feature_points = b"".join(
        bytes([1, 0x0C, i + 1]) + (10 * i).to_bytes(2, "big") + (20 * i).to_bytes(2, "big") + b"\0"
        for i in range(points)
    )
    info_rest = (
        points.to_bytes(2, "big")
        + bytes([2])  # gender: female
        + bytes([3])  # eye colour: blue
        + bytes([4])  # hair colour
        + bytes([0, 0, 1])  # feature mask
        + bytes([0, 1])  # expression: neutral
        + bytes([0, 0, 0])  # pose angle
        + bytes([0, 0, 0])  # pose angle uncertainty
    )
    image_info = (
        bytes([1])  # face image type: full frontal
        + bytes([data_type])  # 0 = JPEG, 1 = JPEG 2000
        + width.to_bytes(2, "big")
        + height.to_bytes(2, "big")
        + bytes([1])  # colour space: 24-bit RGB
        + bytes([2])  # source type
        + (0).to_bytes(2, "big")  # device type
        + (0).to_bytes(2, "big")  # quality
    )
    del facial_info
    block_len = 4 + len(info_rest) + len(feature_points) + len(image_info) + len(image)
    assert len(info_rest) == 16  # 20 bytes with the length
    block = block_len.to_bytes(4, "big") + info_rest + feature_points + image_info + image
    record_len = 14 + len(block)
    return b"FAC\0" + b"010\0" + record_len.to_bytes(4, "big") + (1).to_bytes(2, "big") + block


def dg2(bdb_tag: int, bdb: bytes, header: bytes, vicc: bool = False) -> bytes:
    bit = tlv(0xA1, header, vicc) + tlv(bdb_tag, bdb, vicc)
    group = tlv(0x02, b"\x01", vicc) + tlv(0x7F60, bit, vicc)
    if vicc:
        # vicc's CardGenerator writes the 7F61 group without the DG2 tag 75 around it.
        return tlv(0x7F61, group, vicc)
    return tlv(0x75, tlv(0x7F61, group, vicc), vicc)


HEADER_19794 = tlv(0x80, b"\x01\x01") + tlv(0x81, b"\x02") + tlv(0x87, b"\x01\x01") + tlv(0x88, b"\x00\x08")
HEADER_39794 = tlv(0x81, b"\x02") + tlv(0x82, b"\x00") + tlv(0x87, b"\x01\x01") + tlv(0x88, b"\x00\x2A")
HEADER_VICC = tlv(0x87, b"\x01\x01") + tlv(0x88, b"\x05\x01")


# ---- ISO/IEC 39794-5 ------------------------------------------------------------------------
def iso39794_5(image: bytes, format_code: int, width: int, height: int) -> bytes:
    version = tlv(0xA0, tlv(0x80, der_int(3)) + tlv(0x81, der_int(2019)))  # VersionBlock
    image_size = tlv(0xA7, tlv(0x80, der_int(width)) + tlv(0x81, der_int(height)))
    image_info = tlv(
        0xA1,
        tlv(0xA0, tlv(0x80, der_int(format_code)))  # imageDataFormat: CHOICE code [0]
        + tlv(0xA1, tlv(0xA1, tlv(0x80, der_int(0))))  # faceImageKind2D: mrtd
        + image_size,
    )
    two_d = tlv(0xA0, tlv(0x80, image) + image_info)  # imageRepresentation2DBlock
    image_rep = tlv(0xA1, tlv(0xA0, two_d))  # imageRepresentation [1] { base [0] { ... } }
    rep_block = tlv(0x30, tlv(0x80, der_int(1)) + image_rep)
    fidb = tlv(0x65, version + tlv(0xA1, rep_block))
    return tlv(0xA1, fidb)  # application profile wrapper (Table 2)


def main() -> None:
    with open(os.path.join(here, "keys.json")) as f:
        keys = json.load(f)
    jpg = read("face_rgb.jpg")
    jp2 = read("face_rgb.jp2")
    j2c = read("face_rgb.j2c")
    grey_jpg = read("face_grey.jpg")

    mrz = "P<UTOERIKSSON<<ANNA<MARIX<<<<<<<<<<<<<<<<<<<L898902C<3UTO6908061F9406236ZE184226B<<<<<14"
    files = {
        # vicc ePass, as documented in shared/peers/NOTES.md
        # vicc's CardGenerator packs (0x5C, 2, "6175"): the value is the 4 ASCII characters
        # "6175" under a declared length of 2, and 60's length counts all 22 bytes. This is the
        # "60 16 ..." file that shared/peers/NOTES.md quotes.
        "ef_com_vicc.bin": bytes.fromhex("60165F0104") + b"0107" + bytes.fromhex("5F3606") + b"040000" + bytes.fromhex("5C02") + b"6175",
        # What vicc meant: 5C 02 61 75 (DG1, DG2), with a consistent outer length.
        "ef_com_intended.bin": bytes.fromhex("60145F0104") + b"0107" + bytes.fromhex("5F3606") + b"040000" + bytes.fromhex("5C026175"),
        "dg1_vicc.bin": bytes.fromhex("615B5F1F58") + mrz.encode(),
        "dg2_19794_jpeg.bin": dg2(0x5F2E, iso19794_5(jpg, 0, 120, 160, points=2), HEADER_19794),
        "dg2_19794_vicc.bin": dg2(0x5F2E, iso19794_5_vicc(jpg, 120, 160), HEADER_VICC, vicc=True),
        "dg2_19794_jp2.bin": dg2(0x5F2E, iso19794_5(jp2, 1, 120, 160), HEADER_19794),
        "dg2_39794_jpeg.bin": dg2(0x7F2E, iso39794_5(jpg, 2, 120, 160), HEADER_39794),
        "dg2_39794_j2c.bin": dg2(0x7F2E, iso39794_5(j2c, 3, 120, 160), HEADER_39794),
        "dg7.bin": tlv(0x67, tlv(0x02, b"\x01") + tlv(0x5F43, grey_jpg)),
        "dg11.bin": tlv(
            0x6B,
            tlv(0x5C, bytes.fromhex("5F0E5F2B5F115F425F13A0"))
            + tlv(0x5F0E, "MÜLLER<<ÉRIKA<ZOË".encode())
            + tlv(0xA0, tlv(0x02, b"\x02") + tlv(0x5F0F, b"MULLER<<ERIKA") + tlv(0x5F0F, b"MUELLER<<ERIKA"))
            + tlv(0x5F2B, b"19690806")
            + tlv(0x5F11, "ZENITH<UTOPIA".encode())
            # exactly 0x7F bytes, written vicc-style as 81 7F
            + tlv(0x5F42, ("1<CARTOON<STREET<" + "X" * (0x7F - 17)).encode(), vicc=True)
            + tlv(0x5F13, b"ILLUSTRATOR")
            + tlv(0x5F50, b"unknown field is skipped"),
        ),
        "dg12.bin": tlv(
            0x6C,
            tlv(0x5C, bytes.fromhex("5F195F265F555F56"))
            + tlv(0x5F19, b"UTOPIA<PASSPORT<OFFICE")
            + tlv(0x5F26, bytes.fromhex("20240131"))  # BCD form
            + tlv(0x5F55, b"20240131120000")
            + tlv(0x5F56, b"SN-0042")
            + tlv(0x5F1A, b"DOE<<JOHN"),
        ),
        "dg15_rsa.bin": tlv(0x6F, bytes.fromhex(keys["rsa_2048_spki"])),
        "dg15_ec.bin": tlv(0x6F, bytes.fromhex(keys["ec_p256_spki"])),
        "sod.bin": tlv(0x77, bytes.fromhex(keys["bsi_ef_cardsecurity"])),
    }
    for name, data in files.items():
        with open(os.path.join(here, name), "wb") as f:
            f.write(data)
        print(f"{name}: {len(data)} bytes")
    expected = {
        "source": "generated by test-vectors/lds/make_lds.py; see SOURCE.md",
        "mrz": mrz,
        "image_sizes": {"face_rgb.jpg": len(jpg), "face_rgb.jp2": len(jp2), "face_rgb.j2c": len(j2c)},
    }
    with open(os.path.join(here, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
