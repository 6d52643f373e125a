//! The append-only log's readers on the fuzzer's bytes: a file of RESP commands (torn,
//! damaged, huge counts) and a manifest. Nothing panics or allocates a claimed length;
//! a file read as torn is whole once cut where the reader says (as loading cuts it);
//! a manifest that parses formats back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    embedis::fuzzing::log(data);
});
