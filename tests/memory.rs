//! Memory per key, counted by the global allocator: the design targets of ≤ 64 bytes per
//! small string key and ≤ 72 with a TTL (1 M keys, 16-byte keys and values), and of
//! ≤ 80 bytes per sorted-set member (1 M 16-byte members).

use std::time::Duration;

use embedis::{ManualClock, Store};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

const N: usize = 1_000_000;

/// One measurement at a time: the counting allocator sees every thread.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Holds the measurement lock; every test takes it first, before it allocates its
/// inputs (which the other test's region would count).
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn bytes_per_key(fill: impl FnOnce(&Store)) -> f64 {
    let region = Region::new(GLOBAL);
    let store = Store::builder()
        .clock(ManualClock::new())
        .active_expiry(false)
        .build();
    fill(&store);
    let s = region.change();
    #[allow(clippy::cast_precision_loss)]
    let per_key = (s.bytes_allocated - s.bytes_deallocated) as f64 / N as f64;
    drop(store);
    per_key
}

#[test]
fn small_string_keys_fit_the_memory_budget() {
    let _serial = one_at_a_time();
    let keys: Vec<Vec<u8>> = (0..N)
        .map(|i| format!("key:{i:012}").into_bytes())
        .collect();
    let value = b"0123456789abcdef";
    let plain = bytes_per_key(|store| {
        for k in &keys {
            store.strings().set(k, value).unwrap();
        }
    });
    let with_ttl = bytes_per_key(|store| {
        for k in &keys {
            store
                .strings()
                .setex(k, Duration::from_secs(3600), value)
                .unwrap();
        }
    });
    eprintln!("bytes per key: {plain:.1} plain, {with_ttl:.1} with a TTL");
    assert!(plain <= 64.0, "{plain:.1} bytes per key");
    assert!(with_ttl <= 72.0, "{with_ttl:.1} bytes per key with a TTL");
}

/// The sorted-set target: ≤ 80 bytes per member for 1 M 16-byte members (Redis 7.0
/// spends about 126).
#[test]
fn sorted_set_members_fit_the_memory_budget() {
    let _serial = one_at_a_time();
    let members: Vec<Vec<u8>> = (0..N)
        .map(|i| format!("player:{i:09}").into_bytes())
        .collect();
    let per_member = bytes_per_key(|store| {
        for (i, m) in members.iter().enumerate() {
            // Scores in no particular order.
            #[allow(clippy::cast_precision_loss)] // 20 bits
            let score = ((i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 44) as f64;
            store.zsets().zadd("board", [(m, score)]).unwrap();
        }
    });
    eprintln!("bytes per sorted-set member: {per_member:.1}");
    assert!(per_member <= 80.0, "{per_member:.1} bytes per member");
}
