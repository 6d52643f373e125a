//! Benchmarks: embedis beside the maps a user would otherwise pick, in the same run.
//!
//! `cargo bench --bench store` runs everything; pass a filter to run a part, e.g.
//! `cargo bench --bench store -- get/1M`. Memory per key is printed first.
#![allow(missing_docs)]
#![allow(
    clippy::semicolon_if_nothing_returned,
    clippy::cast_precision_loss,
    clippy::type_complexity
)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use embedis::EvictionPolicy;
mod common;

use common::{Picker, live_bytes};

mod peers {
    //! The baselines: a sharded `RwLock<hashbrown::HashMap>` and `dashmap`, holding the
    //! same data as `Bytes` so that a read is a reference-count increment.
    use std::hash::BuildHasher;

    use bytes::Bytes;
    use hashbrown::HashMap;
    use parking_lot::RwLock;

    pub(crate) struct Sharded {
        shards: Box<[RwLock<HashMap<Vec<u8>, Bytes>>]>,
        hasher: hashbrown::DefaultHashBuilder,
    }

    impl Sharded {
        pub(crate) fn new(shards: usize) -> Self {
            Sharded {
                shards: (0..shards).map(|_| RwLock::new(HashMap::new())).collect(),
                hasher: hashbrown::DefaultHashBuilder::default(),
            }
        }

        fn shard(&self, key: &[u8]) -> &RwLock<HashMap<Vec<u8>, Bytes>> {
            let h = self.hasher.hash_one(key);
            let n = self.shards.len();
            &self.shards[usize::try_from((h >> 7) % n as u64).unwrap()]
        }

        pub(crate) fn get(&self, key: &[u8]) -> Option<Bytes> {
            self.shard(key).read().get(key).cloned()
        }

        pub(crate) fn set(&self, key: &[u8], value: &[u8]) {
            self.shard(key)
                .write()
                .insert(key.to_vec(), Bytes::copy_from_slice(value));
        }

        pub(crate) fn incr(&self, key: &[u8]) -> i64 {
            let mut shard = self.shard(key).write();
            let v = shard
                .entry(key.to_vec())
                .or_insert_with(|| Bytes::from_static(b"0"));
            let n: i64 = std::str::from_utf8(v).unwrap().parse::<i64>().unwrap() + 1;
            *v = Bytes::from(n.to_string());
            n
        }
    }

    pub(crate) struct Dash(pub dashmap::DashMap<Vec<u8>, Bytes>);

    impl Dash {
        pub(crate) fn get(&self, key: &[u8]) -> Option<Bytes> {
            self.0.get(key).map(|v| v.value().clone())
        }

        pub(crate) fn set(&self, key: &[u8], value: &[u8]) {
            self.0.insert(key.to_vec(), Bytes::copy_from_slice(value));
        }

        pub(crate) fn incr(&self, key: &[u8]) -> i64 {
            let mut v = self
                .0
                .entry(key.to_vec())
                .or_insert_with(|| Bytes::from_static(b"0"));
            let n: i64 = std::str::from_utf8(&v).unwrap().parse::<i64>().unwrap() + 1;
            *v = Bytes::from(n.to_string());
            n
        }
    }
}

/// 16-byte keys.
fn keys(n: usize) -> Arc<Vec<Vec<u8>>> {
    Arc::new(
        (0..n)
            .map(|i| format!("key:{i:012}").into_bytes())
            .collect(),
    )
}

/// Runs `op` `iters` times spread over `threads` threads, each picking random keys, and
/// returns the wall time.
fn run_threads<S: Sync>(
    store: &S,
    keys: &[Vec<u8>],
    threads: usize,
    iters: u64,
    op: impl Fn(&S, &[u8]) + Sync,
) -> Duration {
    let per = iters / threads as u64 + 1;
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            let op = &op;
            s.spawn(move || {
                let mut pick = Picker(0x9E37_79B9_7F4A_7C15 ^ (t as u64 + 1));
                for _ in 0..per {
                    op(store, &keys[pick.next(keys.len())]);
                }
            });
        }
    });
    start.elapsed()
}

/// Key counts, named for the groups (the large one a tenth in quick mode).
fn sizes() -> [(usize, String); 2] {
    let big = common::scaled(1_000_000);
    [(1_000, "1K".into()), (big, common::label(big))]
}

fn value(len: usize) -> Vec<u8> {
    vec![b'v'; len]
}

/// GET of keys that are not there (100-byte values, one thread): what a look-up reads
/// before it knows.
fn get_miss(c: &mut Criterion) {
    for (n, size) in sizes() {
        let keys = keys(n);
        let v = value(100);
        let store = embedis::Store::new();
        let sharded = peers::Sharded::new(16);
        for k in keys.iter() {
            store.strings().set(k, &v).unwrap();
            sharded.set(k, &v);
        }
        let absent: Vec<Vec<u8>> = keys.iter().map(|k| [b"absent:", &k[..]].concat()).collect();
        let mut g = c.benchmark_group(format!("get_miss/{size}"));
        g.bench_function("embedis", |b| {
            b.iter_custom(|i| {
                run_threads(&store, &absent, 1, i, |s, k| {
                    black_box(s.strings().get(k).unwrap());
                })
            })
        });
        g.bench_function("sharded-rwlock", |b| {
            b.iter_custom(|i| {
                run_threads(&sharded, &absent, 1, i, |s, k| {
                    black_box(s.get(k));
                })
            })
        });
        g.finish();
    }
}

fn get_and_set(c: &mut Criterion) {
    for (n, size) in sizes() {
        let keys = keys(n);
        for vlen in [16, 100] {
            let v = value(vlen);
            let store = embedis::Store::new();
            let sharded = peers::Sharded::new(16);
            let dash = peers::Dash(dashmap::DashMap::new());
            for k in keys.iter() {
                store.strings().set(k, &v).unwrap();
                sharded.set(k, &v);
                dash.set(k, &v);
            }
            for threads in [1, 2] {
                let mut g = c.benchmark_group(format!("get/{size}/{vlen}B/{threads}t"));
                g.bench_function("embedis", |b| {
                    b.iter_custom(|i| {
                        run_threads(&store, &keys, threads, i, |s, k| {
                            black_box(s.strings().get(k).unwrap());
                        })
                    })
                });
                // The zero-copy read: the value's length, no copy and no refcount.
                g.bench_function("embedis-get_with", |b| {
                    b.iter_custom(|i| {
                        run_threads(&store, &keys, threads, i, |s, k| {
                            black_box(s.strings().get_with(k, |v| v.map(<[u8]>::len)).unwrap());
                        })
                    })
                });
                g.bench_function("sharded-rwlock", |b| {
                    b.iter_custom(|i| {
                        run_threads(&sharded, &keys, threads, i, |s, k| {
                            black_box(s.get(k));
                        })
                    })
                });
                g.bench_function("dashmap", |b| {
                    b.iter_custom(|i| {
                        run_threads(&dash, &keys, threads, i, |s, k| {
                            black_box(s.get(k));
                        })
                    })
                });
                g.finish();
                let mut g = c.benchmark_group(format!("set/{size}/{vlen}B/{threads}t"));
                g.bench_function("embedis", |b| {
                    b.iter_custom(|i| {
                        run_threads(&store, &keys, threads, i, |s, k| {
                            s.strings().set(k, &v).unwrap()
                        })
                    })
                });
                g.bench_function("sharded-rwlock", |b| {
                    b.iter_custom(|i| run_threads(&sharded, &keys, threads, i, |s, k| s.set(k, &v)))
                });
                g.bench_function("dashmap", |b| {
                    b.iter_custom(|i| run_threads(&dash, &keys, threads, i, |s, k| s.set(k, &v)))
                });
                g.finish();
                // 90% GET, 10% SET: the key's last digit decides, so every store sees
                // the same sequence.
                let writes = |k: &[u8]| k.last() == Some(&b'0');
                let mut g = c.benchmark_group(format!("mix90-10/{size}/{vlen}B/{threads}t"));
                g.bench_function("embedis", |b| {
                    b.iter_custom(|i| {
                        run_threads(&store, &keys, threads, i, |s, k| {
                            if writes(k) {
                                s.strings().set(k, &v).unwrap();
                            } else {
                                black_box(s.strings().get(k).unwrap());
                            }
                        })
                    })
                });
                g.bench_function("sharded-rwlock", |b| {
                    b.iter_custom(|i| {
                        run_threads(&sharded, &keys, threads, i, |s, k| {
                            if writes(k) {
                                s.set(k, &v);
                            } else {
                                black_box(s.get(k));
                            }
                        })
                    })
                });
                g.bench_function("dashmap", |b| {
                    b.iter_custom(|i| {
                        run_threads(&dash, &keys, threads, i, |s, k| {
                            if writes(k) {
                                s.set(k, &v);
                            } else {
                                black_box(s.get(k));
                            }
                        })
                    })
                });
                g.finish();
            }
        }
    }
}

fn incr_and_ttl(c: &mut Criterion) {
    for (n, size) in sizes() {
        let keys = keys(n);
        let store = embedis::Store::new();
        let sharded = peers::Sharded::new(16);
        let dash = peers::Dash(dashmap::DashMap::new());
        for threads in [1, 2] {
            let mut g = c.benchmark_group(format!("incr/{size}/{threads}t"));
            g.bench_function("embedis", |b| {
                b.iter_custom(|i| {
                    run_threads(&store, &keys, threads, i, |s, k| {
                        black_box(s.strings().incr(k).unwrap());
                    })
                })
            });
            g.bench_function("sharded-rwlock", |b| {
                b.iter_custom(|i| {
                    run_threads(&sharded, &keys, threads, i, |s, k| {
                        black_box(s.incr(k));
                    })
                })
            });
            g.bench_function("dashmap", |b| {
                b.iter_custom(|i| {
                    run_threads(&dash, &keys, threads, i, |s, k| {
                        black_box(s.incr(k));
                    })
                })
            });
            g.finish();
        }
        // The same keys and values with and without a TTL: the cost of the deadline check.
        let plain = embedis::Store::new();
        let volatile = embedis::Store::new();
        for k in keys.iter() {
            plain.strings().set(k, "0123456789abcdef").unwrap();
            volatile
                .strings()
                .setex(k, Duration::from_secs(3600), "0123456789abcdef")
                .unwrap();
        }
        for threads in [1, 2] {
            let mut g = c.benchmark_group(format!("get-ttl/{size}/{threads}t"));
            g.bench_function("embedis-no-ttl", |b| {
                b.iter_custom(|i| {
                    run_threads(&plain, &keys, threads, i, |s, k| {
                        black_box(s.strings().get(k).unwrap());
                    })
                })
            });
            g.bench_function("embedis-ttl", |b| {
                b.iter_custom(|i| {
                    run_threads(&volatile, &keys, threads, i, |s, k| {
                        black_box(s.strings().get(k).unwrap());
                    })
                })
            });
            g.finish();
        }
    }
}

/// GET under each kind of access bookkeeping: none (`noeviction`), LRU stamps (a
/// relaxed store at most once per millisecond per key) and LFU counters (a random draw
/// per read, a store when the counter moves). The limit is far above the data, so
/// nothing is evicted: this is the cost a read pays for eviction to be possible.
fn get_tracked(c: &mut Criterion) {
    for (n, size) in sizes() {
        let keys = keys(n);
        let stores: Vec<(EvictionPolicy, embedis::Store)> = [
            EvictionPolicy::NoEviction,
            EvictionPolicy::AllKeysLru,
            EvictionPolicy::AllKeysLfu,
        ]
        .into_iter()
        .map(|p| {
            let store = embedis::Store::builder()
                .max_memory(1 << 40)
                .eviction_policy(p)
                .build();
            for k in keys.iter() {
                store.strings().set(k, "0123456789abcdef").unwrap();
            }
            (p, store)
        })
        .collect();
        for threads in [1, 2] {
            let mut g = c.benchmark_group(format!("get-tracked/{size}/{threads}t"));
            for (policy, store) in &stores {
                g.bench_function(format!("embedis {policy}"), |b| {
                    b.iter_custom(|i| {
                        run_threads(store, &keys, threads, i, |s, k| {
                            black_box(s.strings().get(k).unwrap());
                        })
                    })
                });
            }
            g.finish();
        }
    }
}

/// The active sweep: removing expired keys costs this per key; a shard lock is held for
/// at most `SWEEP_BATCH` (512) of them at a time.
fn expiry(c: &mut Criterion) {
    const N: u64 = 10_000;
    let mut g = c.benchmark_group("expiry");
    g.throughput(criterion::Throughput::Elements(N));
    g.bench_function("purge-10k-expired", |b| {
        b.iter_batched(
            || {
                let clock = embedis::ManualClock::new();
                let store = embedis::Store::builder()
                    .clock(clock.clone())
                    .active_expiry(false)
                    .build();
                for i in 0..N {
                    store
                        .strings()
                        .psetex(
                            format!("key:{i:012}"),
                            Duration::from_millis(1 + i % 1000),
                            "v",
                        )
                        .unwrap();
                }
                clock.advance(Duration::from_secs(2));
                store
            },
            |store| assert_eq!(store.purge_expired(), 10_000),
            criterion::BatchSize::PerIteration,
        )
    });
    g.finish();
}

/// Bytes held per key for `n` keys set by `fill`, as the counting allocator sees them.
fn bytes_per_key<T>(n: usize, fill: impl FnOnce() -> T) -> f64 {
    live_bytes(fill) / n as f64
}

fn memory(_: &mut Criterion) {
    let n = common::scaled(1_000_000);
    let keys: Vec<Vec<u8>> = (0..n)
        .map(|i| format!("key:{i:012}").into_bytes())
        .collect();
    let value = b"0123456789abcdef";
    let plain = bytes_per_key(n, || {
        let store = embedis::Store::builder().active_expiry(false).build();
        for k in &keys {
            store.strings().set(k, value).unwrap();
        }
        store
    });
    let with_ttl = bytes_per_key(n, || {
        let store = embedis::Store::builder().active_expiry(false).build();
        for k in &keys {
            store
                .strings()
                .setex(k, Duration::from_secs(3600), value)
                .unwrap();
        }
        store
    });
    let sharded = bytes_per_key(n, || {
        let map = peers::Sharded::new(16);
        for k in &keys {
            map.set(k, value);
        }
        map
    });
    let dash = bytes_per_key(n, || {
        let map = peers::Dash(dashmap::DashMap::new());
        for k in &keys {
            map.set(k, value);
        }
        map
    });
    println!(
        "memory/{} keys (16 B key, 16 B value), bytes per key, counted by the global allocator:",
        common::label(n)
    );
    println!("  embedis           {plain:6.1}");
    println!("  embedis with TTL  {with_ttl:6.1}");
    println!("  sharded-rwlock    {sharded:6.1}");
    println!("  dashmap           {dash:6.1}");
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = memory, expiry, get_and_set, get_miss, incr_and_ttl, get_tracked
}
criterion_main!(benches);
