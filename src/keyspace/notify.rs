//! Keyspace notifications (Redis's `notify.c`): commands publish what they did to
//! `__keyspace@<db>__:<key>` (the event as the message) and `__keyevent@<db>__:<event>`
//! (the key as the message), for the classes of events enabled.
//!
//! Off by default, and free when off: each command that could notify reads one atomic
//! word, and everything else is behind a cold call. Events are published as they
//! happen, in the order Redis publishes them; a transaction holds its events back in
//! its log and publishes them on commit (and drops them on rollback).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use super::pubsub::Registry;
use crate::{Blob, Error, Result};

/// Publish to `__keyspace@<db>__:<key>` (`K`).
pub(crate) const KEYSPACE: u32 = 1 << 0;
/// Publish to `__keyevent@<db>__:<event>` (`E`).
pub(crate) const KEYEVENT: u32 = 1 << 1;
/// `DEL`, `EXPIRE`, `RENAME`, … (`g`).
pub(crate) const GENERIC: u32 = 1 << 2;
/// String commands (`$`).
pub(crate) const STRING: u32 = 1 << 3;
/// List commands (`l`).
pub(crate) const LIST: u32 = 1 << 4;
/// Set commands (`s`).
pub(crate) const SET: u32 = 1 << 5;
/// Hash commands (`h`).
pub(crate) const HASH: u32 = 1 << 6;
/// Sorted-set commands (`z`).
pub(crate) const ZSET: u32 = 1 << 7;
/// A key removed because it expired (`x`).
pub(crate) const EXPIRED: u32 = 1 << 8;
/// A key evicted for memory (`e`).
pub(crate) const EVICTED: u32 = 1 << 9;
/// Stream commands (`t`; there are none here yet).
pub(crate) const STREAM: u32 = 1 << 10;
/// A read of a missing key (`m`).
pub(crate) const KEY_MISS: u32 = 1 << 11;
/// Module key types (`d`; none here).
const MODULE: u32 = 1 << 12;
/// A key added to the keyspace (`n`).
pub(crate) const NEW: u32 = 1 << 13;
/// `A`: every class but key misses and new keys, as Redis defines it.
const ALL: u32 = GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;

/// Which keyspace events the store publishes (Redis's `notify-keyspace-events`).
///
/// # Examples
///
/// ```
/// use embedis::{KeyspaceEvents, Store};
/// let store = Store::builder().notify_keyspace_events(KeyspaceEvents::parse("KEA")?).build();
/// let events = store.pubsub().psubscribe(["__keyevent@0__:*"]);
/// store.strings().set("greeting", "hi")?;
/// let m = events.try_recv()?.unwrap();
/// assert_eq!((m.channel, m.payload), ("__keyevent@0__:set".into(), "greeting".into()));
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyspaceEvents(u32);

impl KeyspaceEvents {
    /// None: the default.
    pub const NONE: KeyspaceEvents = KeyspaceEvents(0);

    /// Reads Redis's class string: `K` (keyspace channel) and/or `E` (keyevent
    /// channel), and the classes `g $ l s h z x e t m n d`, or `A` for
    /// `g$lshzxetd`. Without `K` or `E`, nothing is published.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidEventClass`] for any other character.
    ///
    /// # Examples
    ///
    /// ```
    /// use embedis::KeyspaceEvents;
    /// assert!(KeyspaceEvents::parse("Ex").is_ok());
    /// assert!(KeyspaceEvents::parse("Kq").is_err());
    /// ```
    pub fn parse(classes: &str) -> Result<KeyspaceEvents> {
        let mut flags = 0;
        for c in classes.chars() {
            flags |= match c {
                'A' => ALL,
                'g' => GENERIC,
                '$' => STRING,
                'l' => LIST,
                's' => SET,
                'h' => HASH,
                'z' => ZSET,
                'x' => EXPIRED,
                'e' => EVICTED,
                'K' => KEYSPACE,
                'E' => KEYEVENT,
                't' => STREAM,
                'm' => KEY_MISS,
                'd' => MODULE,
                'n' => NEW,
                _ => return Err(Error::InvalidEventClass),
            };
        }
        Ok(KeyspaceEvents(flags))
    }
}

/// The classes as Redis writes them back (`CONFIG GET notify-keyspace-events`).
impl std::fmt::Display for KeyspaceEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let flags = self.0;
        let mut s = String::new();
        if flags & ALL == ALL {
            s.push('A');
        } else {
            for (bit, c) in [
                (GENERIC, 'g'),
                (STRING, '$'),
                (LIST, 'l'),
                (SET, 's'),
                (HASH, 'h'),
                (ZSET, 'z'),
                (EXPIRED, 'x'),
                (EVICTED, 'e'),
                (STREAM, 't'),
                (MODULE, 'd'),
                (NEW, 'n'),
            ] {
                if flags & bit != 0 {
                    s.push(c);
                }
            }
        }
        for (bit, c) in [(KEYSPACE, 'K'), (KEYEVENT, 'E'), (KEY_MISS, 'm')] {
            if flags & bit != 0 {
                s.push(c);
            }
        }
        f.write_str(&s)
    }
}

/// The keyspace's side of notifications: what is enabled, and where it goes.
#[derive(Debug, Default)]
pub(crate) struct Notifier {
    flags: AtomicU32,
    registry: Option<Arc<Registry>>,
}

impl Notifier {
    pub(crate) fn new(events: KeyspaceEvents, registry: Arc<Registry>) -> Self {
        Notifier {
            flags: AtomicU32::new(events.0),
            registry: Some(registry),
        }
    }

    pub(crate) fn set(&self, events: KeyspaceEvents) {
        self.flags.store(events.0, Ordering::Relaxed);
    }

    pub(crate) fn get(&self) -> KeyspaceEvents {
        KeyspaceEvents(self.flags.load(Ordering::Relaxed))
    }

    /// Whether events of `class` are published at all.
    #[inline]
    pub(crate) fn wants(&self, class: u32) -> bool {
        let flags = self.flags.load(Ordering::Relaxed);
        flags & class != 0 && flags & (KEYSPACE | KEYEVENT) != 0
    }

    /// Publishes `event` (of `class`) on `key` of `db`, if enabled.
    #[inline]
    pub(crate) fn notify(&self, class: u32, event: &'static str, db: usize, key: &[u8]) {
        if self.wants(class) {
            self.publish(event, db, key);
        }
    }

    #[cold]
    #[inline(never)]
    fn publish(&self, event: &'static str, db: usize, key: &[u8]) {
        let Some(registry) = &self.registry else {
            return;
        };
        let flags = self.flags.load(Ordering::Relaxed);
        if flags & KEYSPACE != 0 {
            let mut channel = format!("__keyspace@{db}__:").into_bytes();
            channel.extend_from_slice(key);
            registry.publish(&channel, &Blob::copy_from_slice(event.as_bytes()));
        }
        if flags & KEYEVENT != 0 {
            let channel = format!("__keyevent@{db}__:{event}");
            registry.publish(channel.as_bytes(), &Blob::copy_from_slice(key));
        }
    }
}
