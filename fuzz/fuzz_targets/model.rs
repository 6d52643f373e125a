//! Typed operations on strings, hashes and lists, with TTLs and time as an explicit
//! step (a `ManualClock`), applied to the store and to a plain reference model and
//! compared after every operation. The model is the property tests' own
//! (`tests/common/model.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/common/model.rs"]
mod model;

fuzz_target!(|data: &[u8]| {
    model::run(data);
});
