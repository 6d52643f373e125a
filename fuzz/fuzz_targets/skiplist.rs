//! The sorted sets' skiplist against an ordered model: inserts, score updates, removals,
//! rank-range removals and compaction, with the structure's invariants checked after
//! every step. Every choice comes from the fuzzer's bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    embedis::fuzzing::skiplist(data);
});
