//! Limits are checked before allocating: a command refused for its size allocates
//! nothing of that size and leaves the store unchanged. One test, alone in its binary,
//! so the counting allocator sees no other test's allocations.

use std::time::Duration;

use embedis::{BitFieldOp, BitFieldType, BitOffset, Error, Store};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

/// Runs `f` and returns its result with the total bytes it allocated.
fn allocated_by<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let region = Region::new(GLOBAL);
    let out = f();
    (out, region.change().bytes_allocated)
}

/// A command expected to be refused.
type Refusal<'a> = Box<dyn Fn() -> Error + 'a>;

#[test]
fn refusals_for_size_allocate_nothing_and_change_nothing() {
    let store = Store::new();
    store.strings().set("k", "abc").unwrap();
    let huge = 512usize << 20;
    let cases: Vec<(&str, Refusal<'_>)> = vec![
        (
            "SETRANGE past 512 MB",
            Box::new(|| store.strings().setrange("k", huge, "x").unwrap_err()),
        ),
        (
            "SETRANGE at usize::MAX",
            Box::new(|| store.strings().setrange("k", usize::MAX, "x").unwrap_err()),
        ),
        (
            "SETBIT at 2^32",
            Box::new(|| store.bits().setbit("k", 1 << 32, true).unwrap_err()),
        ),
        (
            "GETBIT at u64::MAX",
            Box::new(|| store.bits().getbit("k", u64::MAX).unwrap_err()),
        ),
        (
            "BITFIELD past 2^32 bits",
            Box::new(|| {
                let op = BitFieldOp::Set(BitFieldType::unsigned(8), BitOffset::Field(1 << 30), 1);
                store.bits().bitfield("k", &[op]).unwrap_err()
            }),
        ),
        (
            "INCR past i64",
            Box::new(|| {
                store.strings().set("n", i64::MAX.to_string()).unwrap();
                store.strings().incr("n").unwrap_err()
            }),
        ),
        (
            "EXPIRE overflowing",
            Box::new(|| store.keys().expire("k", Duration::MAX).unwrap_err()),
        ),
    ];
    for (name, run) in cases {
        let (err, bytes) = allocated_by(run);
        assert!(bytes < 4096, "{name}: {bytes} bytes allocated before {err}");
    }
    let big = Store::builder().max_string_size(1 << 20).build();
    big.strings().set("k", vec![b'x'; 1 << 19]).unwrap();
    let (err, bytes) = allocated_by(|| {
        big.strings()
            .append("k", vec![b'y'; (1 << 19) + 1])
            .unwrap_err()
    });
    assert_eq!(err, Error::StringTooLong);
    assert!(
        bytes <= (1 << 19) + 4096,
        "APPEND: {bytes} bytes, beyond the argument itself"
    );
    assert_eq!(store.strings().get("k").unwrap().unwrap(), "abc");
    assert_eq!(big.strings().strlen("k").unwrap(), 1 << 19);
    assert_eq!(store.keys().ttl("k").unwrap(), embedis::Ttl::Persistent);
}
