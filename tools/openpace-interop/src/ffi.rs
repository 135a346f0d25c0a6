//! Hand-written declarations of the few OpenPACE (libeac 1.1.2, `eac/eac.h`, `eac/pace.h`) and
//! OpenSSL functions the harness calls, and thin owning wrappers around them.
//!
//! This module is the only place with `unsafe` code in monid. It owns the raw pointers
//! (`EAC_CTX`, `PACE_SEC`, `BUF_MEM`) and frees each exactly once; everything above it uses the
//! safe wrappers [`Ctx`], [`Secret`] and [`Buf`]. It must not grow into a general binding: only
//! what the interop tests need.

#![allow(non_camel_case_types, non_snake_case)]

use std::ffi::{c_char, c_int, c_ulong, c_void};
use std::sync::Once;

/// OpenSSL's `BUF_MEM` (`openssl/buffer.h`): length, data, allocated size, flags.
#[repr(C)]
pub struct BUF_MEM {
    length: usize,
    data: *mut c_char,
    max: usize,
    flags: c_ulong,
}

/// OpenPACE's `EAC_CTX` (opaque here).
#[repr(C)]
pub struct EAC_CTX {
    _private: [u8; 0],
}

/// OpenPACE's `PACE_SEC` (opaque here).
#[repr(C)]
pub struct PACE_SEC {
    _private: [u8; 0],
}

/// `enum s_type` of `eac/pace.h`.
pub const PACE_MRZ: c_int = 1;
/// `PACE_CAN`.
pub const PACE_CAN: c_int = 2;
/// `PACE_PIN`.
pub const PACE_PIN: c_int = 3;
/// `EAC_TR_VERSION_2_01` of `enum eac_tr_version` (`eac/eac.h`).
pub const EAC_TR_VERSION_2_01: c_int = 1;
/// `EAC_ID_PACE` of `eac/eac.h`.
pub const EAC_ID_PACE: c_int = 0;

unsafe extern "C" {
    fn EAC_init();
    fn EAC_CTX_new() -> *mut EAC_CTX;
    fn EAC_CTX_clear_free(ctx: *mut EAC_CTX);
    fn EAC_CTX_init_ef_cardaccess(input: *const u8, in_len: usize, ctx: *mut EAC_CTX) -> c_int;
    fn PACE_SEC_new(sec: *const c_char, sec_len: usize, kind: c_int) -> *mut PACE_SEC;
    fn PACE_SEC_clear_free(s: *mut PACE_SEC);
    fn PACE_STEP1_enc_nonce(ctx: *const EAC_CTX, pi: *const PACE_SEC) -> *mut BUF_MEM;
    fn PACE_STEP2_dec_nonce(ctx: *const EAC_CTX, pi: *const PACE_SEC, enc: *const BUF_MEM)
    -> c_int;
    fn PACE_STEP3A_generate_mapping_data(ctx: *const EAC_CTX) -> *mut BUF_MEM;
    fn PACE_STEP3A_map_generator(ctx: *const EAC_CTX, input: *const BUF_MEM) -> c_int;
    fn PACE_STEP3B_generate_ephemeral_key(ctx: *mut EAC_CTX) -> *mut BUF_MEM;
    fn PACE_STEP3B_compute_shared_secret(ctx: *const EAC_CTX, input: *const BUF_MEM) -> c_int;
    fn PACE_STEP3C_derive_keys(ctx: *const EAC_CTX) -> c_int;
    fn PACE_STEP3D_compute_authentication_token(
        ctx: *const EAC_CTX,
        public: *const BUF_MEM,
    ) -> *mut BUF_MEM;
    fn PACE_STEP3D_verify_authentication_token(ctx: *const EAC_CTX, token: *const BUF_MEM)
    -> c_int;
    fn EAC_CTX_set_encryption_ctx(ctx: *mut EAC_CTX, id: c_int) -> c_int;
    fn EAC_increment_ssc(ctx: *const EAC_CTX) -> c_int;
    fn EAC_add_iso_pad(ctx: *const EAC_CTX, unpadded: *const BUF_MEM) -> *mut BUF_MEM;
    fn EAC_remove_iso_pad(padded: *const BUF_MEM) -> *mut BUF_MEM;
    fn EAC_encrypt(ctx: *const EAC_CTX, data: *const BUF_MEM) -> *mut BUF_MEM;
    fn EAC_decrypt(ctx: *const EAC_CTX, data: *const BUF_MEM) -> *mut BUF_MEM;
    fn EAC_authenticate(ctx: *const EAC_CTX, data: *const BUF_MEM) -> *mut BUF_MEM;
    fn BUF_MEM_create_init(buf: *const c_void, len: usize) -> *mut BUF_MEM;
    fn BUF_MEM_clear_free(b: *mut BUF_MEM);
    // OpenSSL (libcrypto): drop the error queue a failed call leaves behind.
    fn ERR_clear_error();
}

static INIT: Once = Once::new();

/// `EAC_init()`, once per process (it registers OpenPACE's OIDs with OpenSSL).
pub fn init() {
    // SAFETY: no arguments; guarded by `Once`, so called exactly once.
    INIT.call_once(|| unsafe { EAC_init() });
}

/// Clears OpenSSL's per-thread error queue after an expected failure.
pub fn clear_errors() {
    // SAFETY: no arguments, touches only the calling thread's error queue.
    unsafe { ERR_clear_error() }
}

/// An owned `BUF_MEM`, wiped and freed on drop.
pub struct Buf(*mut BUF_MEM);

impl Buf {
    /// A copy of `bytes`.
    pub fn new(bytes: &[u8]) -> Buf {
        // SAFETY: `bytes` is valid for `len` bytes; BUF_MEM_create_init copies them.
        let p = unsafe { BUF_MEM_create_init(bytes.as_ptr().cast(), bytes.len()) };
        assert!(!p.is_null(), "BUF_MEM_create_init: out of memory");
        Buf(p)
    }

    /// Takes ownership of a `BUF_MEM` returned by OpenPACE; `None` when it returned NULL.
    fn from_raw(p: *mut BUF_MEM) -> Option<Buf> {
        (!p.is_null()).then_some(Buf(p))
    }

    /// The contents.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: self.0 is a valid BUF_MEM we own; `data` holds `length` initialised bytes
        // (or is NULL with length 0).
        unsafe {
            let b = &*self.0;
            if b.data.is_null() || b.length == 0 {
                &[]
            } else {
                std::slice::from_raw_parts(b.data.cast::<u8>(), b.length)
            }
        }
    }

    fn ptr(&self) -> *const BUF_MEM {
        self.0
    }
}

impl Drop for Buf {
    fn drop(&mut self) {
        // SAFETY: we own the pointer and free it once.
        unsafe { BUF_MEM_clear_free(self.0) }
    }
}

/// An owned `PACE_SEC` (the password), wiped and freed on drop.
pub struct Secret(*mut PACE_SEC);

impl Secret {
    /// A password of the given OpenPACE type ([`PACE_CAN`], [`PACE_PIN`], [`PACE_MRZ`]).
    pub fn new(password: &[u8], kind: c_int) -> Secret {
        // SAFETY: `password` is valid for its length; PACE_SEC_new copies it.
        let p = unsafe { PACE_SEC_new(password.as_ptr().cast(), password.len(), kind) };
        assert!(!p.is_null(), "PACE_SEC_new failed");
        Secret(p)
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // SAFETY: we own the pointer and free it once.
        unsafe { PACE_SEC_clear_free(self.0) }
    }
}

/// An owned `EAC_CTX` initialised from an EF.CardAccess, freed on drop.
pub struct Ctx(*mut EAC_CTX);

/// Result of an OpenPACE step: the name of the step that failed.
pub type Step<T> = Result<T, &'static str>;

fn check(r: c_int, step: &'static str) -> Step<()> {
    if r == 1 {
        Ok(())
    } else {
        clear_errors();
        Err(step)
    }
}

fn out(p: *mut BUF_MEM, step: &'static str) -> Step<Vec<u8>> {
    match Buf::from_raw(p) {
        Some(b) => Ok(b.bytes().to_vec()),
        None => {
            clear_errors();
            Err(step)
        }
    }
}

impl Ctx {
    /// `EAC_CTX_new` + `EAC_CTX_init_ef_cardaccess`. With `tr_2_01`, the context follows
    /// TR-03110 v2.01 instead of OpenPACE's default v2.02: OpenPACE 1.1.2 refuses the
    /// integrated mapping under v2.02 (`PACE_CTX_set_protocol`), so IM needs it.
    pub fn from_card_access(ef_card_access: &[u8], tr_2_01: bool) -> Step<Ctx> {
        init();
        // SAFETY: no arguments.
        let p = unsafe { EAC_CTX_new() };
        if p.is_null() {
            return Err("EAC_CTX_new");
        }
        let ctx = Ctx(p);
        if tr_2_01 {
            // SAFETY: `tr_version` (an `enum eac_tr_version`, C int) is the FIRST member of the
            // public `struct eac_ctx` of eac/eac.h, so the context pointer points at it.
            unsafe { *ctx.0.cast::<c_int>() = EAC_TR_VERSION_2_01 };
        }
        // SAFETY: the buffer is valid for its length; ctx is a fresh EAC_CTX.
        let r = unsafe {
            EAC_CTX_init_ef_cardaccess(ef_card_access.as_ptr(), ef_card_access.len(), ctx.0)
        };
        check(r, "EAC_CTX_init_ef_cardaccess")?;
        Ok(ctx)
    }

    /// Card: `PACE_STEP1_enc_nonce` (draws s, returns z = E(K_pi, s)).
    pub fn enc_nonce(&self, pi: &Secret) -> Step<Vec<u8>> {
        // SAFETY: both pointers are live and owned by their wrappers.
        out(
            unsafe { PACE_STEP1_enc_nonce(self.0, pi.0) },
            "PACE_STEP1_enc_nonce",
        )
    }

    /// Terminal: `PACE_STEP2_dec_nonce`.
    pub fn dec_nonce(&self, pi: &Secret, z: &[u8]) -> Step<()> {
        let z = Buf::new(z);
        // SAFETY: all pointers are live and owned by their wrappers.
        check(
            unsafe { PACE_STEP2_dec_nonce(self.0, pi.0, z.ptr()) },
            "PACE_STEP2_dec_nonce",
        )
    }

    /// `PACE_STEP3A_generate_mapping_data` (GM: a mapping public key; IM: a nonce t).
    pub fn generate_mapping_data(&self) -> Step<Vec<u8>> {
        // SAFETY: self.0 is live.
        out(
            unsafe { PACE_STEP3A_generate_mapping_data(self.0) },
            "PACE_STEP3A_generate_mapping_data",
        )
    }

    /// `PACE_STEP3A_map_generator` with the other side's mapping data (IM: t).
    pub fn map_generator(&self, input: &[u8]) -> Step<()> {
        let b = Buf::new(input);
        // SAFETY: both pointers are live.
        check(
            unsafe { PACE_STEP3A_map_generator(self.0, b.ptr()) },
            "PACE_STEP3A_map_generator",
        )
    }

    /// `PACE_STEP3B_generate_ephemeral_key`.
    pub fn generate_ephemeral_key(&mut self) -> Step<Vec<u8>> {
        // SAFETY: self.0 is live and borrowed mutably.
        out(
            unsafe { PACE_STEP3B_generate_ephemeral_key(self.0) },
            "PACE_STEP3B_generate_ephemeral_key",
        )
    }

    /// `PACE_STEP3B_compute_shared_secret` with the other side's ephemeral public key.
    pub fn compute_shared_secret(&self, other: &[u8]) -> Step<()> {
        let b = Buf::new(other);
        // SAFETY: both pointers are live.
        check(
            unsafe { PACE_STEP3B_compute_shared_secret(self.0, b.ptr()) },
            "PACE_STEP3B_compute_shared_secret",
        )
    }

    /// `PACE_STEP3C_derive_keys`.
    pub fn derive_keys(&self) -> Step<()> {
        // SAFETY: self.0 is live.
        check(
            unsafe { PACE_STEP3C_derive_keys(self.0) },
            "PACE_STEP3C_derive_keys",
        )
    }

    /// `PACE_STEP3D_compute_authentication_token` over the OTHER side's ephemeral key.
    pub fn compute_token(&self, other: &[u8]) -> Step<Vec<u8>> {
        let b = Buf::new(other);
        // SAFETY: both pointers are live.
        out(
            unsafe { PACE_STEP3D_compute_authentication_token(self.0, b.ptr()) },
            "PACE_STEP3D_compute_authentication_token",
        )
    }

    /// `PACE_STEP3D_verify_authentication_token` of the other side's token.
    pub fn verify_token(&self, token: &[u8]) -> Step<()> {
        let b = Buf::new(token);
        // SAFETY: both pointers are live.
        check(
            unsafe { PACE_STEP3D_verify_authentication_token(self.0, b.ptr()) },
            "PACE_STEP3D_verify_authentication_token",
        )
    }

    /// `EAC_CTX_set_encryption_ctx(EAC_ID_PACE)`: secure messaging with the PACE keys, SSC 0.
    pub fn start_sm(&mut self) -> Step<()> {
        // SAFETY: self.0 is live and borrowed mutably.
        check(
            unsafe { EAC_CTX_set_encryption_ctx(self.0, EAC_ID_PACE) },
            "EAC_CTX_set_encryption_ctx",
        )
    }

    /// `EAC_increment_ssc`.
    pub fn increment_ssc(&self) -> Step<()> {
        // SAFETY: self.0 is live.
        check(unsafe { EAC_increment_ssc(self.0) }, "EAC_increment_ssc")
    }

    /// `EAC_add_iso_pad` (ISO/IEC 9797-1 method 2 to the SM cipher's block length).
    pub fn pad(&self, data: &[u8]) -> Step<Vec<u8>> {
        let b = Buf::new(data);
        // SAFETY: both pointers are live.
        out(
            unsafe { EAC_add_iso_pad(self.0, b.ptr()) },
            "EAC_add_iso_pad",
        )
    }

    /// `EAC_remove_iso_pad`.
    pub fn unpad(&self, data: &[u8]) -> Step<Vec<u8>> {
        let b = Buf::new(data);
        // SAFETY: b is live.
        out(unsafe { EAC_remove_iso_pad(b.ptr()) }, "EAC_remove_iso_pad")
    }

    /// `EAC_encrypt` of padded data with the current SSC (AES: IV = E(KS_enc, SSC)).
    pub fn encrypt(&self, padded: &[u8]) -> Step<Vec<u8>> {
        let b = Buf::new(padded);
        // SAFETY: both pointers are live.
        out(unsafe { EAC_encrypt(self.0, b.ptr()) }, "EAC_encrypt")
    }

    /// `EAC_decrypt` of a cryptogram with the current SSC.
    pub fn decrypt(&self, cryptogram: &[u8]) -> Step<Vec<u8>> {
        let b = Buf::new(cryptogram);
        // SAFETY: both pointers are live.
        out(unsafe { EAC_decrypt(self.0, b.ptr()) }, "EAC_decrypt")
    }

    /// `EAC_authenticate`: MAC over SSC || padded data.
    pub fn mac(&self, padded: &[u8]) -> Step<Vec<u8>> {
        let b = Buf::new(padded);
        // SAFETY: both pointers are live.
        out(
            unsafe { EAC_authenticate(self.0, b.ptr()) },
            "EAC_authenticate",
        )
    }
}

impl Drop for Ctx {
    fn drop(&mut self) {
        // SAFETY: we own the pointer and free it once.
        unsafe { EAC_CTX_clear_free(self.0) }
    }
}
