#![no_main]
libfuzzer_sys::fuzz_target!(
    init: monid_fuzz::tolerate_decoder_panics(),
    |data: &[u8]| monid_fuzz::targets::face_decode(data)
);
