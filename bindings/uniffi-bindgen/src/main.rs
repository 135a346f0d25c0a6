//! uniffi's generator, built from the same pinned uniffi as `monid-bindings`, in its own
//! workspace member so that clap stays out of the cdylib. Usage:
//! `uniffi-bindgen generate --no-format --language kotlin --out-dir DIR target/debug/libmonid.so`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
