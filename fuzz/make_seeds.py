#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/seeds/<target>/ (small valid inputs per target).

Sources: the vicc ePass file contents (shared peers notes), the ICAO 9303 specimen MRZs
(TD1/TD2/TD3, as in core/src/mrz.rs tests), the ICAO 9303-11 Appendix D.4 protected response
(test-vectors/icao9303-11-appendix-d.json), the test PKI, certificates, CMS files and signatures
under test-vectors/ (pki/, certs/, cms/, wycheproof-sig/). Re-run after changing a target's input format.
"""
import os, struct

HERE = os.path.dirname(os.path.abspath(__file__))

def tlv(tag, value):
    t = tag.to_bytes((tag.bit_length() + 7) // 8 or 1, "big")
    n = len(value)
    if n < 0x80: l = bytes([n])
    elif n <= 0xFF: l = bytes([0x81, n])
    else: l = bytes([0x82]) + n.to_bytes(2, "big")
    return t + l + value

TD3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10"
TD1 = "I<UTOD231458907<<<<<<<<<<<<<<<7408122F1204159UTO<<<<<<<<<<<6ERIKSSON<<ANNA<MARIA<<<<<<<<<<"
TD2 = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<D231458907UTO7408122F1204159<<<<<<<6"
VICC_MRZ = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C<3UTO6908061F9406236ZE184226B<<<<<14"

EF_COM = tlv(0x60, tlv(0x5F01, b"0107") + tlv(0x5F36, b"040000") + tlv(0x5C, bytes([0x61, 0x75])))
DG1 = tlv(0x61, tlv(0x5F1F, VICC_MRZ.encode()))
DG2_SMALL = tlv(0x75, tlv(0x7F61, tlv(0x02, b"\x01") + tlv(0x7F60, tlv(0xA1, tlv(0x87, b"\x01\x01") + tlv(0x88, b"\x05\x01")) + tlv(0x5F2E, b"FAC\x00010\x00" + bytes(16)))))
ATR_INFO = tlv(0x7F66, tlv(0x02, b"\xFF\xFF") + tlv(0x02, b"\xFF\xFF")) + tlv(0x47, b"\x00\x00\x40")

def write(target, name, data):
    d = os.path.join(HERE, "seeds", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

OK = b"\x90\x00"

# apdu_response: raw responses (also read as command header + Ne selector + data).
write("apdu_response", "ok", OK)
write("apdu_response", "not_found", b"\x6A\x82")
write("apdu_response", "dg1", DG1 + OK)
write("apdu_response", "eof", DG1[:10] + b"\x62\x82")
write("apdu_response", "more", b"\x61\x10")
write("apdu_response", "cmd_select", bytes.fromhex("00A4020C000000011E"))
write("apdu_response", "cmd_read_ext", bytes.fromhex("00B0000002FFFF"))

# tlv
write("tlv", "ef_com", EF_COM)
write("tlv", "dg1", DG1)
write("tlv", "dg2", DG2_SMALL)
write("tlv", "atr_info", ATR_INFO)
write("tlv", "long_len", bytes.fromhex("5F2E820004") + b"abcd")

# mrz
write("mrz", "td3", TD3.encode())
write("mrz", "td3_lines", (TD3[:44] + "\n" + TD3[44:]).encode())
write("mrz", "td1", (TD1[:30] + "\n" + TD1[30:60] + "\n" + TD1[60:]).encode())
write("mrz", "td2", TD2.encode())
write("mrz", "vicc", VICC_MRZ.encode())
write("mrz", "key", b"L898902C<|690806|940623")
write("mrz", "key_short", b"D23145890734|74<<<<|120415")

# sm_unwrap: selector byte (bit 0 AES, bits 1-2 mode), then the mode's input.
write("sm_unwrap", "raw_des3_appd4", b"\x00" + bytes.fromhex("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000"))
write("sm_unwrap", "raw_status_only", b"\x01" + bytes.fromhex("6A82"))
write("sm_unwrap", "mac_des3", b"\x04" + bytes.fromhex("8709019FF0EC34F9922651") + bytes.fromhex("99029000") + OK)
write("sm_unwrap", "mac_aes", b"\x05" + b"\x87\x11\x01" + bytes(range(16)) + bytes.fromhex("99029000") + OK)
write("sm_unwrap", "mac_aes_85", b"\x05" + b"\x85\x10" + bytes(range(16)) + OK)
write("sm_unwrap", "protect_select", b"\x06" + bytes.fromhex("00A4020C00000001") + b"\x1E")
write("sm_unwrap", "protect_read_aes", b"\x07" + bytes.fromhex("00B0000001000004"))
write("sm_unwrap", "protect_read_ext", b"\x07" + bytes.fromhex("00B0000083FFFF"))

# file_reader: config byte, then responses, each with a length prefix: one byte up to 0xEF,
# else F0 + 2 bytes or F1 + 3 bytes; an int stands for a transport error byte (F2 = tag lost).
def script(cfg, *responses):
    out = bytes([cfg])
    for r in responses:
        if isinstance(r, int):
            out += bytes([r])
        elif len(r) <= 0xEF:
            out += bytes([len(r)]) + r
        elif len(r) <= 0xFFFF:
            out += b"\xF0" + struct.pack(">H", len(r)) + r
        else:
            out += b"\xF1" + len(r).to_bytes(3, "big") + r
    return out

write("file_reader", "dg1_sfi", script(0x01, DG1[:4] + OK, DG1[4:] + OK))
write("file_reader", "dg1_select", script(0x00, OK, DG1[:4] + OK, DG1[4:] + OK))
write("file_reader", "dg1_sfi_refused", script(0x01, b"\x6A\x82", OK, DG1[:4] + OK, DG1[4:] + OK))
write("file_reader", "dg1_lost_resume", script(0x01, DG1[:4] + OK, DG1[4:40] + OK, 0xF2, OK, DG1[40:] + OK))
write("file_reader", "dg1_chunks", script(0x09, *([DG1[:4] + OK] + [DG1[i:i + 16] + OK for i in range(4, len(DG1), 16)])))
write("file_reader", "dg2_not_found", script(0x40, b"\x6A\x82"))
write("file_reader", "dg2_denied", script(0x40, b"\x69\x82"))
write("file_reader", "dg2_wrong_length", script(0x40, OK, DG2_SMALL[:4] + OK, b"\x67\x00", DG2_SMALL[4:] + OK))
write("file_reader", "atr_then_dg1_ext", script(0x17, ATR_INFO + b"\x62\x82", DG1[:4] + OK, DG1[4:] + OK))
write("file_reader", "unframed_eof", script(0x61, EF_COM + b"\x62\x82"))
write("file_reader", "unframed_6b00", script(0x61, EF_COM + OK, b"\x6B\x00"))
write("file_reader", "get_response", script(0x00, OK, b"\x61\x04", DG1[:4] + OK, DG1[4:] + OK))

# LDS files and faces: copies of the independently generated test files in test-vectors/
# (see test-vectors/lds/SOURCE.md and test-vectors/faces/SOURCE.md).
VECTORS = os.path.join(HERE, "..", "test-vectors")

def vec(*path):
    with open(os.path.join(VECTORS, *path), "rb") as f:
        return f.read()

write("com", "ef_com_vicc", vec("lds", "ef_com_vicc.bin"))
write("com", "ef_com_intended", vec("lds", "ef_com_intended.bin"))
write("dg1", "dg1_vicc", vec("lds", "dg1_vicc.bin"))
write("dg1", "dg1_td1", tlv(0x61, tlv(0x5F1F, TD1.encode())))
write("dg1", "dg1_td2", tlv(0x61, tlv(0x5F1F, TD2.encode())))
for name in ["dg2_19794_jp2", "dg2_19794_jpeg", "dg2_19794_vicc", "dg2_39794_j2c", "dg2_39794_jpeg"]:
    write("dg2", name, vec("lds", name + ".bin"))
write("dg2", "dg2_small", DG2_SMALL)
write("dg11", "dg11", vec("lds", "dg11.bin"))
write("dg12", "dg12", vec("lds", "dg12.bin"))
write("dg15", "dg15_ec", vec("lds", "dg15_ec.bin"))
write("dg15", "dg15_rsa", vec("lds", "dg15_rsa.bin"))
# lds: first byte = the file's outer tag.
write("lds", "sod", b"\x77" + vec("lds", "sod.bin"))
write("lds", "dg7", b"\x67" + vec("lds", "dg7.bin"))
write("lds", "dg14_raw", b"\x6E" + tlv(0x6E, tlv(0x31, tlv(0x30, tlv(0x06, b"\x04\x00\x7F\x00\x07\x02\x02\x02")))))
write("lds", "dg11", b"\x6B" + vec("lds", "dg11.bin"))
for name in ["face_grey.j2c", "face_grey.jp2", "face_grey.jpg", "face_rgb.j2c", "face_rgb.jp2", "face_rgb.jpg"]:
    write("face_decode", name.replace(".", "_"), vec("faces", name))

# PKI targets: the openssl test PKI of test-vectors/pki (SOURCE.md there), the certificates and
# master list of test-vectors/certs, the CMS files of test-vectors/cms, the signatures of
# test-vectors/wycheproof-sig (Wycheproof and openssl-made).
import glob, json

def vec_files(pattern):
    return sorted(glob.glob(os.path.join(VECTORS, pattern)))

def base(path):
    return os.path.basename(path).replace(".", "_").replace("-", "_")

PKI_SODS = vec_files("pki/sod/*.sod")
for f in PKI_SODS:
    write("sod", base(f), open(f, "rb").read())
for name in ["sod_ber.der", "sod_ec.der", "sod_ec_stream.der", "sod_rsa_noattr.der", "sod_rsa_detached.der"]:
    write("sod", "cms_" + base(name), vec("cms", name))

CERTS = vec_files("pki/certs/*.der") + [f for f in vec_files("certs/*.der") if "crl" not in f]
for f in CERTS:
    d = os.path.basename(os.path.dirname(f))
    write("certificate", d + "_" + base(f), open(f, "rb").read())

CRLS = vec_files("pki/crl/*.crl") + vec_files("certs/crl-*.der")
for f in CRLS:
    write("crl", base(f), open(f, "rb").read())

write("master_list", "pki_masterlist_ml", vec("pki", "masterlist", "masterlist.ml"))
write("master_list", "certs_masterlist_cms", vec("certs", "masterlist.cms"))
write("master_list", "cms_masterlist_cms", vec("cms", "masterlist_cms.der"))

# ber: a sample of every kind of structure above (indefinite lengths, long-form lengths,
# constructed strings), the bare eContents, and a few hand-made corner cases.
for name in ["passport_td3.dsc-rsa.stream.sod", "passport_td3.dsc-rsa.sod", "cnie_td1.dsc-bp256x.sod"]:
    write("ber", base(name), vec("pki", "sod", name))
write("ber", "sod_ec_stream", vec("cms", "sod_ec_stream.der"))
write("ber", "dsc_rsa_indefinite", vec("certs", "dsc-rsa-indefinite.der"))
write("ber", "dsc_rsa_longform", vec("certs", "dsc-rsa-longform.der"))
write("ber", "csca_uto_new", vec("pki", "certs", "csca-uto-new.der"))
write("ber", "crl_uto_old", vec("pki", "crl", "csca-uto-old.crl"))
write("ber", "csca_master_list", vec("pki", "masterlist", "csca-master-list.der"))
write("ber", "ldsso_v1", vec("pki", "data", "passport_td3", "lds_so_sha256_v1.der"))
write("ber", "indefinite_strings", bytes.fromhex("308024800401AA0402BBCC0000020105000030810402810107"))
write("ber", "high_tag", bytes.fromhex("5F1F03414243BF8101023000"))

# spki_verify: sel salt spki_len(2) spki sig_len(2) sig message. sel bits 0-1: 0 PKCS#1,
# 1 PSS, 2 ECDSA DER, 3 ECDSA r||s; bits 2-4: hash index (SHA-1, 224, 256, 384, 512); bits
# 5-7: MGF1 hash index.
HASH = {"sha1": 0, "SHA-1": 0, "sha224": 1, "SHA-224": 1, "sha256": 2, "SHA-256": 2,
        "sha384": 3, "SHA-384": 3, "sha512": 4, "SHA-512": 4}

def sig_input(scheme, hash_name, spki, sig, msg, mgf1=None, salt=0):
    sel = scheme | (HASH[hash_name] << 2) | (HASH[mgf1 or hash_name] << 5)
    return (bytes([sel, salt]) + struct.pack(">H", len(spki)) + spki
            + struct.pack(">H", len(sig)) + sig + msg)

OSSL = json.load(open(os.path.join(VECTORS, "wycheproof-sig", "openssl", "openssl_sigs.json")))
msg = bytes.fromhex(OSSL["message"])
for e in OSSL["ecdsa"]:
    write("spki_verify", "openssl_" + e["name"],
          sig_input(2, e["hash"], bytes.fromhex(e["spki"]), bytes.fromhex(e["sig"]), msg))
pss = OSSL["rsa_pss_mgf1_sha1"]
write("spki_verify", "openssl_pss_mgf1_sha1",
      sig_input(1, pss["hash"], bytes.fromhex(pss["spki"]), bytes.fromhex(pss["sig"]), msg,
                mgf1=pss["mgf1"], salt=pss["salt"]))

def first_valid(fname):
    d = json.load(open(os.path.join(VECTORS, "wycheproof-sig", fname)))
    for g in d["groups"]:
        for t in g["tests"]:
            if t[3] == "valid":
                return g, t
    raise SystemExit("no valid test in " + fname)

for fname, scheme in [("ecdsa_secp256r1_sha256.json", 2), ("ecdsa_secp384r1_sha384.json", 2),
                      ("ecdsa_brainpoolP256r1_sha256.json", 2), ("ecdsa_brainpoolP384r1_sha384.json", 2),
                      ("ecdsa_secp256r1_sha256_p1363.json", 3), ("ecdsa_brainpoolP384r1_sha384_p1363.json", 3),
                      ("rsa_signature_2048_sha256.json", 0), ("rsa_pss_2048_sha256_mgf1_32.json", 1)]:
    g, t = first_valid(fname)
    write("spki_verify", "wycheproof_" + fname[:-5],
          sig_input(scheme, g["sha"], bytes.fromhex(g["publicKeyDer"]), bytes.fromhex(t[2]),
                    bytes.fromhex(t[1]), mgf1=g.get("mgfSha"), salt=g.get("sLen", 0)))

# Issue 4 targets: EF.DIR, EF.CardAccess, DG14 + chip authentication, DG15 + active
# authentication, the PACE terminal (worked examples), DH PACE primitives. The synthetic PACE
# handshakes on the other curves are written by `cargo test --no-default-features --test
# make_pace_seeds -- --ignored` (they need the curve arithmetic).
def parts(*ps):
    return b"".join(struct.pack(">H", len(p)) + p for p in ps)

def tv(path):
    return json.load(open(os.path.join(VECTORS, path)))

def hx(s):
    return bytes.fromhex(s)

# ef_dir: the nPA emulator's EF.DIR (test-vectors/ef-dir.json), the virtual multi-application
# CNIE's, a passport's eMRTD-only one, and one with padding and a bare 4F.
EMRTD = hx("A0000002471001")
write("ef_dir", "npa", hx(tv("ef-dir.json")["npa"]["hex"]))
write("ef_dir", "vchip_multi_app", b"".join(
    tlv(0x61, tlv(0x4F, aid) + tlv(0x50, label))
    for aid, label in [(EMRTD, b"eMRTD"), (hx("A0000002472001"), b"LDS2 TRAVEL"),
                       (hx("E80704007F00070302"), b"eID")]))
write("ef_dir", "emrtd_only", tlv(0x61, tlv(0x4F, EMRTD)))
write("ef_dir", "padded", b"\x00\xFF" + tlv(0x4F, EMRTD) + b"\xFF" * 4 + tlv(0x61, tlv(0x4F, hx("A0000002472002")) + tlv(0x51, hx("3F00")) + tlv(0x73, tlv(0x4F, EMRTD))))

# card_access: EF.CardAccess and EF.CardSecurity of test-vectors/pace-dh/card_access.json
# (ECDH and DH cards), and DG14's SET from the BSI CA example.
ca = tv("pace-dh/card_access.json")
for kind in ("ecdh", "dh"):
    write("card_access", kind + "_card_access", hx(ca[kind]["ef_cardaccess"]))
    write("card_access", kind + "_card_security", hx(ca[kind]["ef_cardsecurity"]))
bsi_ca = tv("ca-aa/bsi_eac_ca_v2.json")
write("card_access", "bsi_security_infos", hx(bsi_ca["security_infos"]))

# dg14: DG14 around the BSI EAC worked example's SecurityInfos, then MSE 9000 and the chip's
# GENERAL AUTHENTICATE answer (r_PICC, T_PICC): with the target's fixed terminal key, CA v2
# runs to the end.
dg14 = tlv(0x6E, hx(bsi_ca["security_infos"]))
ga = tlv(0x7C, tlv(0x81, hx(bsi_ca["ca_nonce"])) + tlv(0x82, hx(bsi_ca["ca_picc_token"]))) + OK
write("dg14", "bsi_ca_v2", parts(dg14, OK, ga))
write("dg14", "bsi_ca_v2_wrong_token", parts(dg14, OK, ga[:-3] + bytes([ga[-3] ^ 1]) + OK))
write("dg14", "dg14_only", parts(dg14, b"", b""))

# active_auth: DG15 around each SubjectPublicKeyInfo of test-vectors/ca-aa/aa_vectors.json,
# its challenge and the chip's signature (ICAO 9303-11 Appendix F RSA, RSA-2048 SHA-256 and
# explicit SHA-1, ECDSA P-256 and P-384).
aa = tv("ca-aa/aa_vectors.json")
for name, t in aa.items():
    if name == "source":
        continue
    spki = hx(t.get("spki", aa["rsa2048_sha256"]["spki"]))
    write("active_auth", name, parts(tlv(0x6F, spki), hx(t["challenge"]), hx(t["signature"]) + OK))

# pace_terminal: scenario byte, then the chip's four answers of each worked example in
# test-vectors/pace/pace_ecdh_worked_examples.json (the target fixes the terminal's keys to the
# example's, so each seed runs PACE to the end).
pe = tv("pace/pace_ecdh_worked_examples.json")
g1 = pe["icao_g1_ecdh_gm"]
write("pace_terminal", "icao_g1_gm_bp256", bytes([0]) + parts(*[hx(a[1]) for a in g1["apdus"][1:]]))
h1 = pe["icao_h1_ecdh_im"]
write("pace_terminal", "icao_h1_im_bp256", bytes([1]) + parts(
    tlv(0x7C, tlv(0x80, hx(h1["encrypted_nonce_z"]))) + OK, hx("7C00") + OK,
    tlv(0x7C, tlv(0x84, hx(h1["eph_pk_picc"]))) + OK, tlv(0x7C, tlv(0x86, hx(h1["t_picc"]))) + OK))
i1 = pe["icao_i_ecdh_cam"]
write("pace_terminal", "icao_i_cam_bp256", bytes([2]) + parts(
    tlv(0x7C, tlv(0x80, hx(i1["encrypted_nonce_z"]))) + OK,
    tlv(0x7C, tlv(0x82, hx(i1["map_pk_picc"]))) + OK,
    tlv(0x7C, tlv(0x84, hx(i1["eph_pk_picc"]))) + OK, hx(i1["final_ga_response"])))
b1 = pe["bsi_ecdh_gm"]
write("pace_terminal", "bsi_gm_bp256_pin", bytes([3]) + parts(
    tlv(0x7C, tlv(0x80, hx(b1["nonce_enc"]))) + OK,
    tlv(0x7C, tlv(0x82, hx(b1["map_picc_pub_key"]))) + OK,
    tlv(0x7C, tlv(0x84, hx(b1["picc_pub_key"]))) + OK,
    tlv(0x7C, tlv(0x86, hx(b1["authentication_token_picc"]))) + OK))

# pace_dh: the ICAO 9303-11 G.2 (DH GM, 1024/160) chip mapping key and nonce, H.2 (DH IM,
# 2048/224) nonces, and RFC 5114's explicit 2048/224 group (test-vectors/pace-dh/dh_vectors.json).
dh = tv("pace-dh/dh_vectors.json")
g2 = dh["icao_g2"]
write("pace_dh", "icao_g2_gm_1024", bytes([0]) + parts(hx(g2["map_Y_picc"]), hx(g2["nonce_s"]), b"", b""))
write("pace_dh", "icao_g2_eph_1024", bytes([0]) + parts(hx(g2["eph_Y_picc"]), hx(g2["nonce_s"]), b"", b""))
h2 = dh["icao_h2"]
write("pace_dh", "icao_h2_im_1024", bytes([0]) + parts(hx(h2["eph_Y_picc"]), hx(h2["nonce_s"]), hx(h2["terminal_nonce_t"]), b""))
write("pace_dh", "h2_nonces_2048_224", bytes([1]) + parts(b"\x02", hx(h2["nonce_s"]), hx(h2["terminal_nonce_t"]), b""))
r = dh["rfc5114_by_standardized_id"]["1"]
write("pace_dh", "explicit_2048_224", bytes([3]) + parts(hx(r["p"]), hx(r["g"]), hx(r["q"]), hx(r["g"])))
# Regressions (replayed by tests/seeds.rs, not fuzzing seeds): inputs that once failed.
def regression(target, name, data):
    d = os.path.join(HERE, "regressions", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

# An unframed EF that never ends: the reader must stop at the file-size cap (cfg bit 7: 512 B).
regression("file_reader", "unframed_past_cap", script(0xE1, *[bytes(256) + OK] * 4))
# A plain read past offset 32767 on a short-only link: the odd-INS READ BINARY must stay short.
regression("file_reader", "odd_ins_short_link", script(0x61, *[bytes([i]) * 256 + OK for i in range(128)]))
# A 4-byte BER tag: to_der dropped its first byte and is_constructed read the second one.
regression("ber", "four_byte_tag", bytes.fromhex("BF958C0000"))
