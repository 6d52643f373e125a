//! Redis's signed arguments as the typed API's values, for the tests that send one
//! operation to Redis as a command and to the store through its typed API. Each reads
//! its argument as the command layer (`src/command/`) does.
#![allow(dead_code)]

use embedis::{Insertion, LposOptions, Matches, Picks};

/// The count of `SRANDMEMBER`, `HRANDFIELD`, `ZRANDMEMBER`: `-n` asks for repeats.
pub(crate) fn picks(count: i64) -> Picks {
    let n = usize::try_from(count.unsigned_abs()).unwrap();
    if count >= 0 {
        Picks::Distinct(n)
    } else {
        Picks::Repeated(n)
    }
}

/// The count of `LREM`: its sign picks the end, 0 removes every match.
pub(crate) fn matches(count: i64) -> Matches {
    let n = usize::try_from(count.unsigned_abs()).unwrap();
    match count {
        0 => Matches::All,
        1.. => Matches::First(n),
        _ => Matches::Last(n),
    }
}

/// `LPOS … RANK rank` (not 0): `-r` counts matches from the tail.
pub(crate) fn rank(options: LposOptions, rank: i64) -> LposOptions {
    assert_ne!(rank, 0, "RANK 0 is refused by the command layer");
    let options = options.skip(usize::try_from(rank.unsigned_abs() - 1).unwrap());
    if rank < 0 {
        options.from_tail()
    } else {
        options
    }
}

/// `LINSERT`'s reply.
pub(crate) fn linsert_reply(insertion: Insertion) -> i64 {
    match insertion {
        Insertion::Len(n) => i64::try_from(n).unwrap(),
        Insertion::NoPivot => -1,
        Insertion::Missing => 0,
    }
}
