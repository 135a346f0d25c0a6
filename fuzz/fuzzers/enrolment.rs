#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| monid_fuzz::keys_targets::enrolment(data));
