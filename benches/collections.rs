//! Benchmarks of hashes and sets beside a plain baseline in the same run: a sharded
//! `RwLock<hashbrown::HashMap>` of `hashbrown` maps (hashes) or sets (sets), holding
//! `Bytes` so that reads are reference-count increments.
//!
//! `cargo bench --bench collections` runs everything; memory per entry is printed first.
#![allow(missing_docs)]
#![allow(
    clippy::cast_precision_loss,
    clippy::semicolon_if_nothing_returned,
    clippy::many_single_char_names
)]

use std::hash::BuildHasher;
use std::hint::black_box;

use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use hashbrown::{HashMap, HashSet};
use parking_lot::RwLock;
mod common;

use common::{Picker, live_bytes};

/// The baseline: 16 shards of `RwLock<HashMap<key, C>>`.
struct Baseline<C> {
    hasher: hashbrown::DefaultHashBuilder,
    shards: Vec<RwLock<HashMap<Bytes, C>>>,
}

impl<C: Default> Baseline<C> {
    fn new() -> Self {
        Baseline {
            hasher: hashbrown::DefaultHashBuilder::default(),
            shards: (0..16).map(|_| RwLock::new(HashMap::new())).collect(),
        }
    }

    fn shard(&self, key: &[u8]) -> &RwLock<HashMap<Bytes, C>> {
        let h = self.hasher.hash_one(key);
        &self.shards[usize::try_from(h >> 60).unwrap()]
    }

    fn read<R>(&self, key: &[u8], f: impl FnOnce(Option<&C>) -> R) -> R {
        f(self.shard(key).read().get(key))
    }

    fn write<R>(&self, key: &[u8], f: impl FnOnce(&mut C) -> R) -> R {
        let mut shard = self.shard(key).write();
        if let Some(c) = shard.get_mut(key) {
            return f(c);
        }
        f(shard.entry(Bytes::copy_from_slice(key)).or_default())
    }
}

type MapOfMaps = Baseline<HashMap<Bytes, Bytes>>;
type MapOfSets = Baseline<HashSet<Bytes>>;

fn hset(b: &MapOfMaps, key: &[u8], field: &[u8], value: &[u8]) -> bool {
    b.write(key, |h| {
        h.insert(Bytes::copy_from_slice(field), Bytes::copy_from_slice(value))
            .is_none()
    })
}

fn hget(b: &MapOfMaps, key: &[u8], field: &[u8]) -> Option<Bytes> {
    b.read(key, |h| h.and_then(|h| h.get(field).cloned()))
}

fn sadd(b: &MapOfSets, key: &[u8], member: &[u8]) -> bool {
    b.write(key, |s| {
        !s.contains(member) && s.insert(Bytes::copy_from_slice(member))
    })
}

fn sismember(b: &MapOfSets, key: &[u8], member: &[u8]) -> bool {
    b.read(key, |s| s.is_some_and(|s| s.contains(member)))
}

fn sinter(b: &MapOfSets, x: &[u8], y: &[u8]) -> Vec<Bytes> {
    let sx = b.shard(x).read();
    let sy = if std::ptr::eq(b.shard(x), b.shard(y)) {
        None
    } else {
        Some(b.shard(y).read())
    };
    let (Some(a), Some(c)) = (sx.get(x), sy.as_ref().unwrap_or(&sx).get(y)) else {
        return Vec::new();
    };
    let (small, large) = if a.len() <= c.len() { (a, c) } else { (c, a) };
    small
        .iter()
        .filter(|m| large.contains(*m))
        .cloned()
        .collect()
}

const HASHES: usize = 100_000;
/// Members of the big set (a tenth in quick mode).
fn members_n() -> usize {
    common::scaled(1_000_000)
}

fn session_key(i: usize) -> String {
    format!("session:{i:08}")
}

fn member(i: usize) -> String {
    format!("member:{i:012}")
}

fn fields() -> Vec<(String, String)> {
    (0..10)
        .map(|f| (format!("f{f}"), format!("value-{f}")))
        .collect()
}

fn memory(_: &mut Criterion) {
    let fields = fields();
    let hash_embedis = live_bytes(|| {
        let store = embedis::Store::builder().active_expiry(false).build();
        for i in 0..HASHES {
            store
                .hashes()
                .hset(session_key(i), fields.iter().cloned())
                .unwrap();
        }
        store
    }) / HASHES as f64;
    let hash_base = live_bytes(|| {
        let b = MapOfMaps::new();
        for i in 0..HASHES {
            for (f, v) in &fields {
                hset(&b, session_key(i).as_bytes(), f.as_bytes(), v.as_bytes());
            }
        }
        b
    }) / HASHES as f64;
    let set_embedis = live_bytes(|| {
        let store = embedis::Store::builder().active_expiry(false).build();
        for i in 0..members_n() {
            store.sets().sadd("s", [member(i)]).unwrap();
        }
        store
    }) / members_n() as f64;
    let set_base = live_bytes(|| {
        let b = MapOfSets::new();
        for i in 0..members_n() {
            sadd(&b, b"s", member(i).as_bytes());
        }
        b
    }) / members_n() as f64;
    let ints_embedis = live_bytes(|| {
        let store = embedis::Store::builder().active_expiry(false).build();
        for i in 0..members_n() {
            store.sets().sadd("s", [i.to_string()]).unwrap();
        }
        store
    }) / members_n() as f64;
    println!("memory, counted by the global allocator:");
    println!("  100k hashes of 10 short fields, bytes per hash (key included):");
    println!("    embedis        {hash_embedis:7.1}");
    println!("    map of maps    {hash_base:7.1}");
    println!(
        "  one set of {} 19-byte members, bytes per member:",
        common::label(members_n())
    );
    println!("    embedis        {set_embedis:7.1}");
    println!("    map of sets    {set_base:7.1}");
    println!(
        "  one set of the integers 0..{}, bytes per member:",
        common::label(members_n())
    );
    println!("    embedis        {ints_embedis:7.1}");
}

fn hashes(c: &mut Criterion) {
    let fields = fields();
    let keys: Vec<String> = (0..10_000).map(session_key).collect();
    let store = embedis::Store::new();
    let base = MapOfMaps::new();
    for k in &keys {
        store.hashes().hset(k, fields.iter().cloned()).unwrap();
        for (f, v) in &fields {
            hset(&base, k.as_bytes(), f.as_bytes(), v.as_bytes());
        }
    }
    let mut g = c.benchmark_group("hget/10k hashes x 10 fields");
    let mut p = Picker(7);
    g.bench_function("embedis", |b| {
        b.iter(|| {
            let (k, f) = (&keys[p.next(keys.len())], &fields[p.next(10)].0);
            black_box(store.hashes().hget(k, f).unwrap())
        })
    });
    g.bench_function("map of maps", |b| {
        b.iter(|| {
            let (k, f) = (&keys[p.next(keys.len())], &fields[p.next(10)].0);
            black_box(hget(&base, k.as_bytes(), f.as_bytes()))
        })
    });
    g.finish();
    let mut g = c.benchmark_group("hset/10k hashes x 10 fields");
    g.bench_function("embedis", |b| {
        b.iter(|| {
            let (k, f) = (&keys[p.next(keys.len())], &fields[p.next(10)].0);
            black_box(store.hashes().hset(k, [(f, "value-x")]).unwrap())
        })
    });
    g.bench_function("map of maps", |b| {
        b.iter(|| {
            let (k, f) = (&keys[p.next(keys.len())], &fields[p.next(10)].0);
            black_box(hset(&base, k.as_bytes(), f.as_bytes(), b"value-x"))
        })
    });
    g.finish();
    // One large hash: the table form.
    let big: Vec<String> = (0..100_000).map(member).collect();
    for m in &big {
        store.hashes().hset("big", [(m, "v")]).unwrap();
        hset(&base, b"big", m.as_bytes(), b"v");
    }
    let mut g = c.benchmark_group("hget/1 hash x 100k fields");
    g.bench_function("embedis", |b| {
        b.iter(|| black_box(store.hashes().hget("big", &big[p.next(big.len())]).unwrap()))
    });
    g.bench_function("map of maps", |b| {
        b.iter(|| black_box(hget(&base, b"big", big[p.next(big.len())].as_bytes())))
    });
    g.finish();
}

fn sets(c: &mut Criterion) {
    let members: Vec<String> = (0..members_n()).map(member).collect();
    let store = embedis::Store::new();
    let base = MapOfSets::new();
    let mut p = Picker(11);
    let mut g = c.benchmark_group(format!("sadd/{}-member set", common::label(members_n())));
    g.bench_function("embedis", |b| {
        b.iter(|| {
            black_box(
                store
                    .sets()
                    .sadd("s", [&members[p.next(members_n())]])
                    .unwrap(),
            )
        })
    });
    g.bench_function("map of sets", |b| {
        b.iter(|| black_box(sadd(&base, b"s", members[p.next(members_n())].as_bytes())))
    });
    g.finish();
    // Fill both completely for lookups.
    store.sets().sadd("s", &members).unwrap();
    for m in &members {
        sadd(&base, b"s", m.as_bytes());
    }
    let mut g = c.benchmark_group(format!(
        "sismember/{}-member set",
        common::label(members_n())
    ));
    g.bench_function("embedis", |b| {
        b.iter(|| {
            black_box(
                store
                    .sets()
                    .sismember("s", &members[p.next(members_n())])
                    .unwrap(),
            )
        })
    });
    g.bench_function("map of sets", |b| {
        b.iter(|| {
            black_box(sismember(
                &base,
                b"s",
                members[p.next(members_n())].as_bytes(),
            ))
        })
    });
    g.finish();
    // Small sets: 1000 sets of 100 members (compact in embedis).
    let small_keys: Vec<String> = (0..1000).map(|i| format!("small:{i}")).collect();
    for k in &small_keys {
        store.sets().sadd(k, &members[..100]).unwrap();
        for m in &members[..100] {
            sadd(&base, k.as_bytes(), m.as_bytes());
        }
    }
    let mut g = c.benchmark_group("sismember/1k sets x 100 members");
    g.bench_function("embedis", |b| {
        b.iter(|| {
            let (k, m) = (&small_keys[p.next(1000)], &members[p.next(200)]);
            black_box(store.sets().sismember(k, m).unwrap())
        })
    });
    g.bench_function("map of sets", |b| {
        b.iter(|| {
            let (k, m) = (&small_keys[p.next(1000)], &members[p.next(200)]);
            black_box(sismember(&base, k.as_bytes(), m.as_bytes()))
        })
    });
    g.finish();
    // SINTER of two 10k-member sets overlapping by half.
    store.sets().sadd("x", &members[..10_000]).unwrap();
    store.sets().sadd("y", &members[5_000..15_000]).unwrap();
    for m in &members[..10_000] {
        sadd(&base, b"x", m.as_bytes());
    }
    for m in &members[5_000..15_000] {
        sadd(&base, b"y", m.as_bytes());
    }
    let mut g = c.benchmark_group("sinter/2 x 10k members, 5k common");
    g.bench_function("embedis", |b| {
        b.iter(|| black_box(store.sets().sinter(["x", "y"]).unwrap()))
    });
    g.bench_function("map of sets", |b| {
        b.iter(|| black_box(sinter(&base, b"x", b"y")))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = memory, hashes, sets
}
criterion_main!(benches);
