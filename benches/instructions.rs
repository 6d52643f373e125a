//! Instructions per operation, counted by callgrind rather than timed: the one measure
//! of the store's own path that the machine's noise (shared cores, memory placement)
//! does not move. Each measured loop is a function of its own, so callgrind can collect
//! it alone. `scripts/instructions.sh` builds this and prints the count per operation
//! for each; run natively (`cargo bench --bench instructions`) it only runs the loops.
//!
//! Sizes are small on purpose (1,000 string keys read and overwritten, 1,000 hashes of 10
//! fields, a set of 10,000 members; SET EX of new keys, last, adds 100,000): the counts
//! are of the code, not of cache misses. The store's seed is
//! fixed, so the string counts repeat exactly; hashes, sets and sorted sets hash with a
//! seed drawn per process, so theirs move by a few percent from run to run.

use std::hint::black_box;

use embedis::{SetOptions, Store};

/// Operations per measured loop (the script divides by it).
const N: usize = 100_000;

fn fixed(prefix: &str, i: usize) -> [u8; 16] {
    let text = format!("{prefix}{i:0width$}", width = 16 - prefix.len());
    text.as_bytes().try_into().expect("16 bytes")
}

#[inline(never)]
fn m_get_with(s: &Store, ops: &[[u8; 16]]) {
    let mut b = 0;
    for k in ops {
        b += s
            .strings()
            .get_with(k, |v| v.map(<[u8]>::len))
            .unwrap()
            .unwrap();
    }
    black_box(b);
}

#[inline(never)]
fn m_get(s: &Store, ops: &[[u8; 16]]) {
    let mut b = 0;
    for k in ops {
        b += s.strings().get(k).unwrap().map(|v| v.len()).unwrap();
    }
    black_box(b);
}

#[inline(never)]
fn m_set(s: &Store, ops: &[[u8; 16]], v: &[u8]) {
    for k in ops {
        s.strings().set(k, v).unwrap();
    }
}

#[inline(never)]
fn m_setex(s: &Store, ops: &[[u8; 16]], v: &[u8]) {
    let o = SetOptions::new().ttl(std::time::Duration::from_secs(60));
    for k in ops {
        s.strings().set_with(k, v, o).unwrap();
    }
}

/// SET EX of keys not there yet (a new packed entry each, and its expiry record).
#[inline(never)]
fn m_setex_new(s: &Store, keys: &[[u8; 16]], v: &[u8]) {
    let o = SetOptions::new().ttl(std::time::Duration::from_secs(60));
    for k in keys {
        s.strings().set_with(k, v, o).unwrap();
    }
}

#[inline(never)]
fn m_sismember(s: &Store, ops: &[[u8; 16]]) {
    let mut h = 0;
    for m in ops {
        h += usize::from(s.sets().sismember("set", m).unwrap());
    }
    black_box(h);
}

#[inline(never)]
fn m_sadd(s: &Store, ops: &[[u8; 16]]) {
    for m in ops {
        s.sets().sadd("set2", [&m[..]]).unwrap();
    }
}

#[inline(never)]
fn m_hget_with(s: &Store, ops: &[([u8; 16], [u8; 16])]) {
    let mut b = 0;
    for (k, f) in ops {
        b += s
            .hashes()
            .hget_with(k, f, |v| v.map(<[u8]>::len))
            .unwrap()
            .unwrap();
    }
    black_box(b);
}

#[inline(never)]
fn m_hget(s: &Store, ops: &[([u8; 16], [u8; 16])]) {
    let mut b = 0;
    for (k, f) in ops {
        b += s.hashes().hget(k, f).unwrap().unwrap().len();
    }
    black_box(b);
}

#[inline(never)]
fn m_hset(s: &Store, ops: &[([u8; 16], [u8; 16])], v: &[u8]) {
    for (k, f) in ops {
        s.hashes().hset(k, [(&f[..], v)]).unwrap();
    }
}

#[inline(never)]
fn m_lpush(s: &Store, n: usize, v: &[u8]) {
    for _ in 0..n {
        s.lists().lpush("queue", [v]).unwrap();
    }
}

#[inline(never)]
fn m_rpop(s: &Store, n: usize) {
    let mut b = 0;
    for _ in 0..n {
        b += s.lists().rpop("queue").unwrap().unwrap().len();
    }
    black_box(b);
}

#[inline(never)]
fn m_zadd(s: &Store, ops: &[[u8; 16]]) {
    for (i, m) in ops.iter().enumerate() {
        #[allow(clippy::cast_precision_loss)] // below 1,000
        let score = (i * 7919 % 1000) as f64;
        s.zsets().zadd("z", [(&m[..], score)]).unwrap();
    }
}

fn main() {
    let value = vec![b'v'; 100];
    // A fixed seed: the keyspace's chains, and so the counts, are the same every run.
    let store = Store::builder().seed(1).build();
    let keys: Vec<_> = (0..1000).map(|i| fixed("key:", i)).collect();
    let ops: Vec<_> = (0..N).map(|i| keys[(i * 7919) % keys.len()]).collect();
    for k in &keys {
        store.strings().set(k, &value).unwrap();
    }
    m_get_with(&store, &ops);
    m_get(&store, &ops);
    m_set(&store, &ops, &value);
    m_setex(&store, &ops, &value);

    // 10,000 members; the queries are half hits, half misses. SADD adds the same
    // 10,000 to another set (the script divides its count by 10,000).
    let members: Vec<_> = (0..10_000).map(|i| fixed("member:", i)).collect();
    for m in &members {
        store.sets().sadd("set", [&m[..]]).unwrap();
    }
    let queries: Vec<_> = (0..N)
        .map(|i| {
            if i % 2 == 0 {
                members[(i * 7919) % members.len()]
            } else {
                fixed("absent:", i)
            }
        })
        .collect();
    m_sismember(&store, &queries);
    m_sadd(&store, &members);

    // 1,000 hashes of 10 fields of 100 bytes (the script divides HSET's by 10,000).
    let pairs: Vec<_> = (0..10_000)
        .map(|i| (fixed("hash:", i / 10), fixed("field:", i % 10)))
        .collect();
    m_hset(&store, &pairs, &value);
    let gets: Vec<_> = (0..N).map(|i| pairs[(i * 7919) % pairs.len()]).collect();
    m_hget_with(&store, &gets);
    m_hget(&store, &gets);

    m_lpush(&store, N, &value);
    m_rpop(&store, N);
    let zmembers: Vec<_> = (0..N).map(|i| fixed("zm:", i)).collect();
    m_zadd(&store, &zmembers);

    // Last, so that the 100,000 keys it adds change no count above.
    let fresh: Vec<_> = (0..N).map(|i| fixed("fresh:", i)).collect();
    m_setex_new(&store, &fresh, &value);
}
