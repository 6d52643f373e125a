//! Redis's signed arguments as the typed API's values, for the tests that send one
//! operation to Redis as a command and to the store through its typed API. Each reads
//! its argument as the command layer (`src/command/`) does.
#![allow(dead_code)]

use embedis::Picks;

/// The count of `SRANDMEMBER`, `HRANDFIELD`, `ZRANDMEMBER`: `-n` asks for repeats.
pub(crate) fn picks(count: i64) -> Picks {
    let n = usize::try_from(count.unsigned_abs()).unwrap();
    if count >= 0 {
        Picks::Distinct(n)
    } else {
        Picks::Repeated(n)
    }
}
