//! `RESTORE` payloads from the fuzzer's bytes (with and without a right footer): the RDB
//! decoder and the codecs under it (listpack, ziplist, intset, LZF) refuse what is
//! malformed without a panic or an allocation of a claimed length, and what they accept
//! dumps and restores to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    embedis::fuzzing::restore(data);
});
