//! The keyspace's entry table (the crate's only unsafe code: chains of thin pointers)
//! against a `HashMap`, every choice from the fuzzer's bytes; built with AddressSanitizer
//! by cargo-fuzz, so a use after free or an overrun is caught where it happens.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    embedis::fuzzing::entries(data);
});
