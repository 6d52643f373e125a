//! A reference model of the store for model-based tests: typed operations applied both
//! to a real store (on a `ManualClock`) and to plain collections, with time an explicit
//! step. Shared by the property tests (`tests/model.rs`) and the `model` fuzz target
//! (`fuzz/fuzz_targets/model.rs`), which both decode operations from bytes with
//! `arbitrary`.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use arbitrary::Arbitrary;
use embedis::{Error, ManualClock, Store, Ttl};

/// Keys, fields and short strings come from small sets, so operations meet each other
/// (overwrites, wrong types, existing fields) all the time.
const KEYS: [&str; 6] = ["a", "b", "c", "d", "e", "f"];
const TEXTS: [&str; 7] = ["", "0", "12", "-5", "abc", "007", "9223372036854775807"];

/// One operation. Keys, fields and texts are indexes into the small sets above.
#[derive(Arbitrary, Debug, Clone)]
pub(crate) enum Op {
    SetText(u8, u8),
    SetInt(u8, i64),
    Get(u8),
    Del(u8),
    IncrBy(u8, i64),
    Append(u8, u8),
    Expire(u8, u16),
    Persist(u8),
    Pttl(u8),
    Advance(u16),
    HSet(u8, u8, u8),
    HGet(u8, u8),
    HDel(u8, u8),
    LPush(u8, u8),
    RPop(u8),
    LLen(u8),
}

#[derive(Debug, Clone, PartialEq)]
enum Value {
    Str(Vec<u8>),
    Hash(BTreeMap<u8, Vec<u8>>),
    List(VecDeque<Vec<u8>>),
}

#[derive(Debug, Clone)]
struct Entry {
    value: Value,
    deadline: Option<u64>,
}

/// The model, and the store it is compared with.
pub(crate) struct Pair {
    store: Store,
    clock: ManualClock,
    now: u64,
    keys: BTreeMap<u8, Entry>,
}

fn key(k: u8) -> &'static str {
    KEYS[usize::from(k) % KEYS.len()]
}

fn text(t: u8) -> &'static [u8] {
    TEXTS[usize::from(t) % TEXTS.len()].as_bytes()
}

/// Redis's `string2ll`: optional '-', no '+', no spaces, no leading zeros (but "0"), no
/// "-0", and within i64.
fn string2ll(s: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(s).ok()?;
    let digits = text.strip_prefix('-').unwrap_or(text);
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && text != "-0";
    if canonical { text.parse().ok() } else { None }
}

impl Default for Pair {
    fn default() -> Self {
        Self::new()
    }
}

impl Pair {
    pub(crate) fn new() -> Self {
        let clock = ManualClock::new();
        let store = Store::builder()
            .clock(clock.clone())
            .active_expiry(false)
            .build();
        Pair {
            store,
            clock,
            now: 0,
            keys: BTreeMap::new(),
        }
    }

    /// The live entry of `k` in the model (expired ones are dropped, as a look-up does).
    fn live(&mut self, k: u8) -> Option<&mut Entry> {
        let k = k % 6;
        if self
            .keys
            .get(&k)
            .is_some_and(|e| e.deadline.is_some_and(|d| d < self.now))
        {
            self.keys.remove(&k);
        }
        self.keys.get_mut(&k)
    }

    /// Applies `op` to both and panics (with the operation) if they disagree.
    #[allow(clippy::too_many_lines, clippy::many_single_char_names)]
    pub(crate) fn apply(&mut self, op: &Op) {
        let store = &self.store;
        match *op {
            Op::SetText(k, t) => {
                store.strings().set(key(k), text(t)).unwrap();
                self.keys.insert(
                    k % 6,
                    Entry {
                        value: Value::Str(text(t).to_vec()),
                        deadline: None,
                    },
                );
            }
            Op::SetInt(k, n) => {
                store.strings().set(key(k), n.to_string()).unwrap();
                self.keys.insert(
                    k % 6,
                    Entry {
                        value: Value::Str(n.to_string().into_bytes()),
                        deadline: None,
                    },
                );
            }
            Op::Get(k) => {
                let got = store.strings().get(key(k)).map(|v| v.map(|b| b.to_vec()));
                let want = match self.live(k).map(|e| &e.value) {
                    None => Ok(None),
                    Some(Value::Str(v)) => Ok(Some(v.clone())),
                    Some(_) => Err(Error::WrongType),
                };
                assert_eq!(got, want, "{op:?}");
            }
            Op::Del(k) => {
                let got = store.keys().del([key(k)]).unwrap();
                let want = usize::from(self.live(k).is_some());
                self.keys.remove(&(k % 6));
                assert_eq!(got, want, "{op:?}");
            }
            Op::IncrBy(k, n) => {
                let got = store.strings().incrby(key(k), n);
                let want = match self.live(k) {
                    None => Ok(n),
                    Some(Entry {
                        value: Value::Str(v),
                        ..
                    }) => match string2ll(v) {
                        None => Err(Error::NotInteger),
                        Some(old) => old.checked_add(n).ok_or(Error::Overflow),
                    },
                    Some(_) => Err(Error::WrongType),
                };
                if let Ok(new) = want {
                    let deadline = self.live(k).and_then(|e| e.deadline);
                    self.keys.insert(
                        k % 6,
                        Entry {
                            value: Value::Str(new.to_string().into_bytes()),
                            deadline,
                        },
                    );
                }
                assert_eq!(got, want, "{op:?}");
            }
            Op::Append(k, t) => {
                let got = store.strings().append(key(k), text(t));
                let want = match self.live(k) {
                    None => {
                        self.keys.insert(
                            k % 6,
                            Entry {
                                value: Value::Str(text(t).to_vec()),
                                deadline: None,
                            },
                        );
                        Ok(text(t).len())
                    }
                    Some(Entry {
                        value: Value::Str(v),
                        ..
                    }) => {
                        v.extend_from_slice(text(t));
                        Ok(v.len())
                    }
                    Some(_) => Err(Error::WrongType),
                };
                assert_eq!(got, want, "{op:?}");
            }
            Op::Expire(k, secs) => {
                let secs = u64::from(secs % 100) + 1;
                let got = store
                    .keys()
                    .expire(key(k), Duration::from_secs(secs))
                    .unwrap();
                let now = self.now;
                let want = match self.live(k) {
                    None => false,
                    Some(e) => {
                        e.deadline = Some(now + secs * 1000);
                        true
                    }
                };
                assert_eq!(got, want, "{op:?}");
            }
            Op::Persist(k) => {
                let got = store.keys().persist(key(k)).unwrap();
                let want = match self.live(k) {
                    Some(e) if e.deadline.is_some() => {
                        e.deadline = None;
                        true
                    }
                    _ => false,
                };
                assert_eq!(got, want, "{op:?}");
            }
            Op::Pttl(k) => {
                let got = store.keys().pttl(key(k)).unwrap();
                let now = self.now;
                let want = match self.live(k) {
                    None => Ttl::Missing,
                    Some(Entry { deadline: None, .. }) => Ttl::Persistent,
                    Some(Entry {
                        deadline: Some(d), ..
                    }) => Ttl::Expires(Duration::from_millis(*d - now)),
                };
                assert_eq!(got, want, "{op:?}");
            }
            Op::Advance(ms) => {
                let ms = u64::from(ms % 5000);
                self.clock.advance(Duration::from_millis(ms));
                self.now += ms;
            }
            Op::HSet(k, f, t) => {
                let got = store.hashes().hset(key(k), [([f % 4], text(t))]);
                let want = match self.live(k) {
                    None => {
                        let mut h = BTreeMap::new();
                        h.insert(f % 4, text(t).to_vec());
                        self.keys.insert(
                            k % 6,
                            Entry {
                                value: Value::Hash(h),
                                deadline: None,
                            },
                        );
                        Ok(1)
                    }
                    Some(Entry {
                        value: Value::Hash(h),
                        ..
                    }) => Ok(usize::from(h.insert(f % 4, text(t).to_vec()).is_none())),
                    Some(_) => Err(Error::WrongType),
                };
                assert_eq!(got, want, "{op:?}");
            }
            Op::HGet(k, f) => {
                let got = store
                    .hashes()
                    .hget(key(k), [f % 4])
                    .map(|v| v.map(|b| b.to_vec()));
                let want = match self.live(k).map(|e| &e.value) {
                    None => Ok(None),
                    Some(Value::Hash(h)) => Ok(h.get(&(f % 4)).cloned()),
                    Some(_) => Err(Error::WrongType),
                };
                assert_eq!(got, want, "{op:?}");
            }
            Op::HDel(k, f) => {
                let got = store.hashes().hdel(key(k), [[f % 4]]);
                let (want, emptied) = match self.live(k) {
                    None => (Ok(0), false),
                    Some(Entry {
                        value: Value::Hash(h),
                        ..
                    }) => {
                        let n = usize::from(h.remove(&(f % 4)).is_some());
                        (Ok(n), h.is_empty())
                    }
                    Some(_) => (Err(Error::WrongType), false),
                };
                if emptied {
                    self.keys.remove(&(k % 6));
                }
                assert_eq!(got, want, "{op:?}");
            }
            Op::LPush(k, t) => {
                let got = store.lists().lpush(key(k), [text(t)]);
                let want = match self.live(k) {
                    None => {
                        self.keys.insert(
                            k % 6,
                            Entry {
                                value: Value::List(VecDeque::from([text(t).to_vec()])),
                                deadline: None,
                            },
                        );
                        Ok(1)
                    }
                    Some(Entry {
                        value: Value::List(l),
                        ..
                    }) => {
                        l.push_front(text(t).to_vec());
                        Ok(l.len())
                    }
                    Some(_) => Err(Error::WrongType),
                };
                assert_eq!(got, want, "{op:?}");
            }
            Op::RPop(k) => {
                let got = store.lists().rpop(key(k)).map(|v| v.map(|b| b.to_vec()));
                let (want, emptied) = match self.live(k) {
                    None => (Ok(None), false),
                    Some(Entry {
                        value: Value::List(l),
                        ..
                    }) => {
                        let v = l.pop_back();
                        (Ok(v), l.is_empty())
                    }
                    Some(_) => (Err(Error::WrongType), false),
                };
                if emptied {
                    self.keys.remove(&(k % 6));
                }
                assert_eq!(got, want, "{op:?}");
            }
            Op::LLen(k) => {
                let got = store.lists().llen(key(k));
                let want = match self.live(k).map(|e| &e.value) {
                    None => Ok(0),
                    Some(Value::List(l)) => Ok(l.len()),
                    Some(_) => Err(Error::WrongType),
                };
                assert_eq!(got, want, "{op:?}");
            }
        }
        self.check_keys();
    }

    /// Every key's existence and type agree.
    fn check_keys(&mut self) {
        for k in 0..6u8 {
            let want = self.live(k).map(|e| match e.value {
                Value::Str(_) => embedis::KeyType::String,
                Value::Hash(_) => embedis::KeyType::Hash,
                Value::List(_) => embedis::KeyType::List,
            });
            assert_eq!(
                self.store.keys().key_type(key(k)).unwrap(),
                want,
                "type of {}",
                key(k)
            );
        }
    }
}

/// Decodes operations from `data` and runs them; panics at the first disagreement.
pub(crate) fn run(data: &[u8]) {
    let mut u = arbitrary::Unstructured::new(data);
    let mut pair = Pair::new();
    while let Ok(op) = Op::arbitrary(&mut u) {
        pair.apply(&op);
        if u.is_empty() {
            break;
        }
    }
}
