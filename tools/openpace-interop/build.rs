//! Links OpenPACE (Debian's `libeac-dev`: libeac.so) and OpenSSL's libcrypto, which OpenPACE's
//! API hands back buffers from (`BUF_MEM_free`).
fn main() {
    println!("cargo:rustc-link-lib=dylib=eac");
    println!("cargo:rustc-link-lib=dylib=crypto");
    println!("cargo:rerun-if-changed=build.rs");
}
