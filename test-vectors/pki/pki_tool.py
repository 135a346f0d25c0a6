#!/usr/bin/env python3
"""Helpers for make-pki.sh (python3 standard library only).

TEST PKI ONLY. This file builds the DER structures `openssl` has no command for (the
LDSSecurityObject variants, the CscaMasterList, the EF.SOD `77` wrapper) and the deliberately
broken EF.SOD files. It has its own small DER reader and writer, shared with no Rust code, so
the Rust parsers are checked against an independent encoder.

Subcommands (all paths are files):
  ldsso OUT DIGEST VERSION [--null-params] [--alter-dg N] DIR
        LDSSecurityObject over DIR/dgN.bin: DIGEST sha1|sha256|sha384|sha512, VERSION 0|1
        (1 adds ldsVersionInfo {"0108", "040000"}); --null-params writes the hash
        AlgorithmIdentifier with NULL parameters; --alter-dg N puts the hash of
        (DGn + b"ALTERED") for DG N (a correctly signed SOD whose DG N does not match).
  wrap77 IN OUT           EF.SOD = 77 || length || ContentInfo
  masterlist OUT CERT...  CscaMasterList { 0, SET OF Certificate } (DER, SET sorted)
  tamper-sig IN OUT       flip the last byte of the first SignerInfo's signature
  tamper-md IN OUT        flip a byte inside the messageDigest signed attribute
  tamper-econtent IN OUT  flip a byte of the last DG hash inside the eContent
  garbage IN OUT          append 8 garbage bytes INSIDE the 77 wrapper, after ContentInfo
  truncate IN OUT         keep the first half of the file (77 header says more)
  check-hashes SOD DIR    the eContent's DG hashes equal the hashes of DIR/dgN.bin
  econtent SOD OUT        write the eContent (OCTET STRING content, segments joined)
  tbs DER TBS SIG ALG     split a certificate or CRL into TBS bytes, signature, "md [pss]"
"""

import hashlib
import os
import sys

# ---------------------------------------------------------------- DER writer


def enc_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, value):
    return bytes([tag]) + enc_len(len(value)) + value


def enc_tag(tag):
    """Tag given as int of its encoded bytes (0x77, 0x5F1F ...)."""
    return tag.to_bytes((tag.bit_length() + 7) // 8 or 1, "big")


def tlv_any(tag, value):
    return enc_tag(tag) + enc_len(len(value)) + value


def oid(dotted):
    parts = [int(x) for x in dotted.split(".")]
    out = bytearray([parts[0] * 40 + parts[1]])
    for p in parts[2:]:
        chunk = [p & 0x7F]
        p >>= 7
        while p:
            chunk.append(0x80 | (p & 0x7F))
            p >>= 7
        out += bytes(reversed(chunk))
    return tlv(0x06, bytes(out))


def integer(n):
    b = n.to_bytes((n.bit_length() + 8) // 8 or 1, "big", signed=True)
    return tlv(0x02, b)


DIGESTS = {
    "sha1": ("1.3.14.3.2.26", hashlib.sha1),
    "sha256": ("2.16.840.1.101.3.4.2.1", hashlib.sha256),
    "sha384": ("2.16.840.1.101.3.4.2.2", hashlib.sha384),
    "sha512": ("2.16.840.1.101.3.4.2.3", hashlib.sha512),
}

# ---------------------------------------------------------------- BER reader


class Tlv:
    """One BER element: tag bytes, header length, content offsets, end offset."""

    def __init__(self, data, off):
        self.start = off
        t = data[off]
        off += 1
        if t & 0x1F == 0x1F:
            while data[off] & 0x80:
                off += 1
            off += 1
        self.tag = int.from_bytes(data[self.start:off], "big")
        first = data[off]
        off += 1
        self.indefinite = False
        if first == 0x80:
            self.indefinite = True
            self.content_start = off
            # walk children up to the end-of-contents octets
            p = off
            while data[p:p + 2] != b"\x00\x00":
                p = Tlv(data, p).end
            self.content_end = p
            self.end = p + 2
            return
        if first & 0x80:
            n = first & 0x7F
            length = int.from_bytes(data[off:off + n], "big")
            off += n
        else:
            length = first
        self.content_start = off
        self.content_end = off + length
        self.end = off + length
        if self.end > len(data):
            raise ValueError("element runs past the end")

    def children(self, data):
        out = []
        p = self.content_start
        while p < self.content_end:
            c = Tlv(data, p)
            out.append(c)
            p = c.end
        return out

    def constructed(self, data):
        return data[self.start] & 0x20 != 0


def octets(data, el):
    """OCTET STRING content, constructed segments joined."""
    if not el.constructed(data):
        return data[el.content_start:el.content_end]
    return b"".join(octets(data, c) for c in el.children(data))


def signed_data(sod):
    """(ContentInfo element, SignedData element) of an EF.SOD (77-wrapped) or ContentInfo."""
    top = Tlv(sod, 0)
    if top.tag == 0x77:
        ci = Tlv(sod, top.content_start)
    else:
        ci = top
    _, explicit = ci.children(sod)[:2]
    sd = explicit.children(sod)[0]
    return ci, sd


def sd_parts(sod):
    _, sd = signed_data(sod)
    kids = sd.children(sod)
    encap = kids[2]
    signer_infos = kids[-1]
    return encap, signer_infos


def econtent(sod):
    encap, _ = sd_parts(sod)
    kids = encap.children(sod)
    explicit = kids[1]
    return octets(sod, explicit.children(sod)[0]), explicit


def first_signer_info(sod):
    _, sis = sd_parts(sod)
    return sis.children(sod)[0]


# ---------------------------------------------------------------- commands


def read_dgs(directory):
    dgs = []
    for n in range(1, 17):
        p = os.path.join(directory, "dg%d.bin" % n)
        if os.path.exists(p):
            with open(p, "rb") as f:
                dgs.append((n, f.read()))
    return dgs


def cmd_ldsso(args):
    out, digest, version = args[0], args[1], int(args[2])
    null_params = "--null-params" in args
    alter = None
    if "--alter-dg" in args:
        alter = int(args[args.index("--alter-dg") + 1])
    directory = args[-1]
    oid_dotted, fn = DIGESTS[digest]
    alg = tlv(0x30, oid(oid_dotted) + (b"\x05\x00" if null_params else b""))
    hashes = b""
    for n, content in read_dgs(directory):
        if n == alter:
            content = content + b"ALTERED"
        hashes += tlv(0x30, integer(n) + tlv(0x04, fn(content).digest()))
    body = integer(version) + alg + tlv(0x30, hashes)
    if version == 1:
        body += tlv(0x30, tlv(0x13, b"0108") + tlv(0x13, b"040000"))
    write(out, tlv(0x30, body))


def cmd_wrap77(args):
    write(args[1], tlv(0x77, read(args[0])))


def cmd_masterlist(args):
    certs = sorted(read(p) for p in args[1:])
    write(args[0], tlv(0x30, integer(0) + tlv(0x31, b"".join(certs))))


def flip(data, index, mask=0x01):
    b = bytearray(data)
    b[index] ^= mask
    return bytes(b)


def cmd_tamper_sig(args):
    sod = read(args[0])
    si = first_signer_info(sod)
    kids = si.children(sod)
    # signature is the OCTET STRING after signatureAlgorithm: the last 0x04 child
    sig = [k for k in kids if k.tag == 0x04][-1]
    write(args[1], flip(sod, sig.content_end - 1))


def cmd_tamper_md(args):
    sod = read(args[0])
    si = first_signer_info(sod)
    attrs = [k for k in si.children(sod) if k.tag == 0xA0][0]
    md_oid = oid("1.2.840.113549.1.9.4")
    for a in attrs.children(sod):
        kids = a.children(sod)
        if sod[kids[0].start:kids[0].end] == md_oid:
            value = kids[1].children(sod)[0]
            write(args[1], flip(sod, value.content_start + 5))
            return
    raise SystemExit("no messageDigest attribute")


def cmd_tamper_econtent(args):
    sod = read(args[0])
    encap, _ = sd_parts(sod)
    explicit = encap.children(sod)[1]
    octet = explicit.children(sod)[0]
    if octet.constructed(sod):
        raise SystemExit("segmented eContent not supported here")
    so = Tlv(sod, octet.content_start)
    hashes = so.children(sod)[2]
    last = hashes.children(sod)[-1]
    h = last.children(sod)[1]
    write(args[1], flip(sod, h.content_end - 1))


def cmd_garbage(args):
    sod = read(args[0])
    top = Tlv(sod, 0)
    assert top.tag == 0x77 and not top.indefinite
    inner = sod[top.content_start:top.content_end] + b"GARBAGE!"
    write(args[1], tlv(0x77, inner))


def cmd_truncate(args):
    sod = read(args[0])
    write(args[1], sod[: len(sod) // 2])


def cmd_check_hashes(args):
    sod = read(args[0])
    content, _ = econtent(sod)
    so = Tlv(content, 0)
    kids = so.children(content)
    alg = kids[1].children(content)[0]
    dotted = {oid(v[0]): k for k, v in DIGESTS.items()}
    name = dotted[content[alg.start:alg.end]]
    fn = DIGESTS[name][1]
    want = {}
    for dgh in kids[2].children(content):
        n_el, h_el = dgh.children(content)
        n = int.from_bytes(content[n_el.content_start:n_el.content_end], "big")
        want[n] = content[h_el.content_start:h_el.content_end]
    have = {n: fn(c).digest() for n, c in read_dgs(args[1])}
    if want != have:
        bad = sorted(n for n in set(want) | set(have) if want.get(n) != have.get(n))
        raise SystemExit("%s: DG hashes differ for DG %s" % (args[0], bad))


SIG_ALGS = {
    "1.2.840.113549.1.1.11": ("sha256", ""),
    "1.2.840.113549.1.1.12": ("sha384", ""),
    "1.2.840.10045.4.3.2": ("sha256", ""),
    "1.2.840.10045.4.3.3": ("sha384", ""),
    "1.2.840.113549.1.1.10": ("sha256", "pss"),  # all PSS here use SHA-256 / MGF1-SHA-256
}


def cmd_tbs(args):
    """tbs CERT-or-CRL-DER TBS-OUT SIG-OUT ALG-OUT: split a signed X.509 object."""
    d = read(args[0])
    top = Tlv(d, 0)
    tbs, alg, sig = top.children(d)
    write(args[1], d[tbs.start:tbs.end])
    write(args[2], d[sig.content_start + 1:sig.content_end])  # BIT STRING, 0 unused bits
    alg_oid = alg.children(d)[0]
    dotted = {oid(k): v for k, v in SIG_ALGS.items()}[d[alg_oid.start:alg_oid.end]]
    write(args[3], ("%s %s\n" % dotted).encode())


def cmd_econtent(args):
    content, _ = econtent(read(args[0]))
    write(args[1], content)


def read(p):
    with open(p, "rb") as f:
        return f.read()


def write(p, data):
    with open(p, "wb") as f:
        f.write(data)


COMMANDS = {
    "ldsso": cmd_ldsso,
    "wrap77": cmd_wrap77,
    "masterlist": cmd_masterlist,
    "tamper-sig": cmd_tamper_sig,
    "tamper-md": cmd_tamper_md,
    "tamper-econtent": cmd_tamper_econtent,
    "garbage": cmd_garbage,
    "truncate": cmd_truncate,
    "check-hashes": cmd_check_hashes,
    "econtent": cmd_econtent,
    "tbs": cmd_tbs,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]](sys.argv[2:])
