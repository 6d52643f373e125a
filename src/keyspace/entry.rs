//! A key under its shard's write lock: what every write command edits.
//!
//! Inside a transaction the entry reports to the transaction's log instead of acting at
//! once: the first change of each key records the key's old entry (when the transaction
//! can roll back), and keyspace events and `WATCH` flags wait for the commit.

use bytes::BytesMut;

use super::feed::{Rec, Unit};
use super::log::TxLog;
use super::table::{Handle, Slot, Table};
use super::{Deadline, Keyspace, notify};
use crate::value::{Collection, StrRef, Value, ValueRef, opt, opt_str};
use crate::{Error, Result};

/// A key under its shard's write lock: present (and live) or absent.
pub(crate) struct EntryMut<'a> {
    ks: &'a Keyspace,
    db: usize,
    /// The shard of the key (a transaction's undo records name it).
    shard: usize,
    table: &'a mut Table,
    key: &'a [u8],
    hash: u64,
    slot: Option<Handle>,
    /// The log of the transaction this entry is edited in, if any.
    tx: Option<&'a TxLog>,
    /// Where the records of its changes go (see `feed.rs`).
    unit: &'a Unit,
    /// Whether its change was counted (once per key and command, for `save` rules).
    counted: bool,
    /// While set, its changes raise no watcher (see [`unsignalled`](Self::unsignalled)).
    unsignalled: bool,
}

impl<'a> EntryMut<'a> {
    pub(super) fn new(
        ks: &'a Keyspace,
        (db, shard): (usize, usize),
        table: &'a mut Table,
        key: &'a [u8],
        hash: u64,
        (tx, unit): (Option<&'a TxLog>, &'a Unit),
    ) -> Self {
        let mut slot = None;
        if let Some(entry) = table.find(hash, key) {
            let h = entry.handle();
            if entry.is_expired(|d| ks.passed(d)) {
                table.remove(&ks.hasher, hash, h);
                ks.stats.expired(1);
                if ks.feed.on() {
                    unit.record(db, |r| {
                        r.arg("DEL").arg(key);
                    });
                }
                ks.notify(notify::EXPIRED, "expired", db, key);
                // A group's blocked readers are told their stream is gone.
                ks.blocking.signal(db, key);
            } else {
                ks.memory.stamp(entry, false, || ks.coarse_now());
                slot = Some(h);
            }
        }
        EntryMut {
            ks,
            db,
            shard,
            table,
            key,
            hash,
            slot,
            tx,
            unit,
            counted: false,
            unsignalled: false,
        }
    }

    pub(crate) fn exists(&self) -> bool {
        self.slot.is_some()
    }

    /// The key.
    pub(crate) fn key(&self) -> &'a [u8] {
        self.key
    }

    /// Records the change just made as the command `f` builds (its effect, as Redis
    /// propagates it), if the store records changes (see `feed.rs`).
    #[inline]
    pub(crate) fn propagate(&self, f: impl FnOnce(&mut Rec<'_>)) {
        if self.ks.feed.on() {
            self.unit.record(self.db, f);
        }
    }

    /// Whether the store records changes: a command that must gather what its record
    /// names (the members a range removal took) gathers it only then.
    #[inline]
    pub(crate) fn recording(&self) -> bool {
        self.ks.feed.on()
    }

    /// Publishes keyspace event `event` (of `class`) on this key, if enabled.
    #[inline]
    pub(crate) fn notify(&self, class: u32, event: &'static str) {
        match self.tx {
            Some(log) if self.ks.notifier.wants(class) => {
                log.hold_event(class, event, self.db, self.key);
            }
            Some(_) => {}
            None => self.ks.notify(class, event, self.db, self.key),
        }
    }

    /// [`notify`](Self::notify), then `del` if the command left the key empty (gone),
    /// as Redis reports an emptied collection.
    #[inline]
    pub(crate) fn notify_then_del(&self, class: u32, event: &'static str) {
        self.notify(class, event);
        if !self.exists() {
            self.notify(notify::GENERIC, "del");
        }
    }

    /// Called before every change: counts it, and tells the key's watchers (`WATCH`)
    /// that it changed or, in a transaction, records the key's entry as it was before
    /// its first change and holds the watchers' flags back until the commit. A change
    /// made [`unsignalled`](Self::unsignalled) — one of form alone — tells no watcher
    /// (Redis's `PFDEBUG TODENSE` counts a change but signals none).
    #[inline]
    fn modified(&mut self) {
        let signal = !self.unsignalled;
        if !self.counted {
            self.counted = true;
            self.ks.count_change(self.shard);
        }
        let held = self.tx.is_some_and(|log| {
            let old = self.slot.map(|h| self.table.slot(self.hash, h));
            log.before_change((self.db, self.shard), self.key, self.hash, (old, signal))
        });
        if !held && signal {
            self.ks.watches.touch(self.db, self.key);
        }
    }

    /// Puts back `old` (a recorded entry, or nothing) in place of whatever the key holds
    /// now: a transaction's rollback.
    pub(super) fn restore(&mut self, old: Option<Slot>) {
        if let Some(h) = self.slot.take() {
            self.table.remove(&self.ks.hasher, self.hash, h);
        }
        if let Some(slot) = old {
            let at = slot.expires_at();
            self.ks
                .memory
                .stamp(slot.view(), true, || self.ks.coarse_now());
            let h = self.table.insert(&self.ks.hasher, self.hash, slot);
            self.slot = Some(h);
            self.schedule(None, at);
        }
    }

    /// Sets the key's access history as `RESTORE`'s `FREQ` or `IDLETIME` says (see
    /// `Memory::set_history`).
    pub(crate) fn set_history(&self, history: crate::rdb::file::History) {
        if let Some(h) = self.slot {
            let entry = self.table.slot(self.hash, h);
            let now = self.ks.coarse_now();
            self.ks.memory.set_history(entry, history, now);
        }
    }

    pub(crate) fn value(&self) -> Option<ValueRef<'_>> {
        self.slot.map(|h| self.table.slot(self.hash, h).value())
    }

    /// The string held, `None` if absent, [`Error::WrongType`] for another type.
    pub(crate) fn str(&self) -> Result<Option<StrRef<'_>>> {
        opt_str(self.value())
    }

    pub(crate) fn expires_at(&self) -> Option<u64> {
        self.slot
            .and_then(|h| self.table.slot(self.hash, h).expires_at())
    }

    fn resolve(&self, deadline: Deadline) -> Option<u64> {
        match deadline {
            Deadline::Keep => self.expires_at(),
            Deadline::Clear => None,
            Deadline::At(at) => Some(at),
        }
    }

    /// Stores `slot` for this key, keeping the wheel invariant; a deadline already past
    /// deletes the key instead.
    fn store(&mut self, make: impl FnOnce(&[u8], Option<u64>) -> Slot, expires_at: Option<u64>) {
        let new = self.slot.is_none();
        self.store_quietly(make, expires_at);
        if new && self.exists() {
            self.notify(notify::NEW, "new");
        }
    }

    /// [`store`](Self::store) without the `new` keyspace event.
    fn store_quietly(
        &mut self,
        make: impl FnOnce(&[u8], Option<u64>) -> Slot,
        expires_at: Option<u64>,
    ) {
        self.modified();
        let old = self.expires_at();
        // A new deadline already due deletes the key (Redis's checkAlreadyExpired); a
        // kept one does not: the key lives until its deadline has passed, as a look-up
        // finds it (at its very deadline an APPEND or a KEEPTTL write kept the value).
        if self.already_due(old, expires_at) {
            self.remove();
            return;
        }
        let slot = make(self.key, expires_at);
        let h = if let Some(h) = self.slot {
            // What replaces a stream may end its group readers' wait.
            self.signal_gone();
            self.table.replace(&self.ks.hasher, self.hash, h, slot)
        } else {
            self.ks
                .memory
                .stamp(slot.view(), true, || self.ks.coarse_now());
            self.table.insert(&self.ks.hasher, self.hash, slot)
        };
        self.slot = Some(h);
        self.schedule(old, expires_at);
    }

    /// Whether `new`, replacing deadline `old`, has already passed: a write then deletes
    /// the key (Redis's checkAlreadyExpired). A kept deadline never counts as new.
    fn already_due(&self, old: Option<u64>, new: Option<u64>) -> bool {
        new != old && new.is_some_and(|d| d <= self.ks.now())
    }

    fn schedule(&mut self, old: Option<u64>, new: Option<u64>) {
        if let Some(new) = new {
            let tick = self.ks.schedule.tick(new);
            if old.is_none_or(|old| tick < self.ks.schedule.tick(old)) {
                self.table.schedule(&self.ks.hasher, self.hash, tick);
                self.ks.schedule.note(tick);
            }
        }
    }

    /// Sets the key to the string `bytes`.
    pub(crate) fn put_str(&mut self, bytes: &[u8], deadline: Deadline) {
        self.modified();
        let expires_at = self.resolve(deadline);
        // A packed string of the same length, with no deadline before and after or one
        // both times (the common SET of a key without TTL, every KEEPTTL, and the
        // `SET … EX` that refreshes a cached value), is rewritten in place. A deadline
        // already due deletes the key instead, in `store`.
        if let Some(h) = self.slot {
            // The old deadline matters only beside a new one (to see whether the new one
            // is due, and to schedule it): without one, the rewrite in place happens
            // only if the entry has none either, and there is nothing to schedule.
            let old = expires_at.and_then(|_| self.expires_at());
            if !self.already_due(old, expires_at)
                && self
                    .table
                    .overwrite_in_place(self.hash, h, bytes, expires_at)
            {
                self.schedule(old, expires_at);
                return;
            }
        }
        self.store(|key, at| Slot::new_str(key, bytes, at), expires_at);
    }

    /// Sets the key to `value`.
    pub(crate) fn put(&mut self, value: Value, deadline: Deadline) {
        let expires_at = self.resolve(deadline);
        // A list or sorted set put in place may be what blocked callers wait for.
        let waited_for = matches!(value, Value::List(_) | Value::ZSet(_) | Value::Stream(_));
        self.store(|key, at| Slot::new(key, value, at), expires_at);
        if waited_for {
            self.signal_ready();
        }
    }

    /// Notes that elements were added to this key (or that it was deleted or replaced),
    /// for callers blocked on it.
    pub(crate) fn signal_ready(&self) {
        self.ks.blocking.signal(self.db, self.key);
    }

    /// Notes that the key's value went (deleted or replaced), for a group's blocked
    /// readers: one atomic load when nobody waits, the rest out of the hot paths.
    #[inline]
    fn signal_gone(&self) {
        if self.ks.blocking.has_waiters() {
            self.signal_gone_slow();
        }
    }

    #[cold]
    #[inline(never)]
    fn signal_gone_slow(&self) {
        self.signal_ready();
    }

    /// Edits the string in place (an absent key starts empty, with no deadline), keeping
    /// the deadline. [`Error::WrongType`] if the key holds another type.
    pub(crate) fn update_str<R>(&mut self, f: impl FnOnce(&mut BytesMut) -> R) -> Result<R> {
        self.str()?;
        self.modified();
        let mut buf = match self.slot {
            Some(h) => {
                let (h, buf) = self
                    .table
                    .edit(&self.ks.hasher, self.hash, h, Slot::take_str_buf);
                self.slot = Some(h);
                buf
            }
            None => BytesMut::new(),
        };
        let out = f(&mut buf);
        self.put(Value::Str(buf.freeze()), Deadline::Keep);
        Ok(out)
    }

    /// Runs `f` on this entry with its changes hidden from WATCH: for the same value in
    /// another form (a HyperLogLog made dense, a sorted set made a skiplist), or what
    /// Redis edits in place before it fails (registers raised before a damaged part is
    /// found). They are still counted, logged if `f` logs them, and undone by a
    /// transaction's rollback.
    pub(crate) fn unsignalled<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> R {
        let outer = std::mem::replace(&mut self.unsignalled, true);
        let out = f(self);
        self.unsignalled = outer;
        out
    }

    /// The collection `C` held, `None` if absent, [`Error::WrongType`] for another type.
    pub(crate) fn get<C: Collection>(&self) -> Result<Option<&C>> {
        opt(self.value())
    }

    /// Edits the collection `C` held here in place, starting from an empty one if the key
    /// is absent, and deletes the key if `f` leaves the collection empty (so a failed
    /// edit of a new key leaves no key behind). [`Error::WrongType`] for another type.
    pub(crate) fn update<C: Collection, R>(
        &mut self,
        f: impl FnOnce(&mut C) -> Result<R>,
    ) -> Result<R> {
        self.get::<C>()?;
        if self.exists() {
            return self.edit(f);
        }
        // A new key: announced only if the edit leaves it standing.
        let value = C::empty();
        let waited_for = matches!(value, Value::List(_) | Value::ZSet(_) | Value::Stream(_));
        self.store_quietly(|key, at| Slot::new(key, value, at), None);
        let out = self.edit(f);
        if self.exists() {
            self.notify(notify::NEW, "new");
            if waited_for {
                self.signal_ready();
            }
        }
        out
    }

    /// Like [`update`](Self::update), but `Ok(None)` without creating anything when the
    /// key is absent.
    pub(crate) fn update_existing<C: Collection, R>(
        &mut self,
        f: impl FnOnce(&mut C) -> Result<R>,
    ) -> Result<Option<R>> {
        if self.get::<C>()?.is_none() {
            return Ok(None);
        }
        self.edit(f).map(Some)
    }

    /// Applies `f` to the (present, type-checked) collection, then drops the key if it
    /// is empty.
    fn edit<C: Collection, R>(&mut self, f: impl FnOnce(&mut C) -> Result<R>) -> Result<R> {
        // `let … else` rather than `ok_or(Error::WrongType)`, which builds the error and
        // drops it (an out-of-line call) on every successful edit.
        let Some(h) = self.slot else {
            return Err(Error::WrongType);
        };
        // Conservatively a modification (the edit may change nothing).
        self.modified();
        // A collection is edited where it is: its entry keeps its block.
        let result = self.table.edit_value(self.hash, h, |value| {
            let Some(c) = C::cast_mut(value) else {
                return Err(Error::WrongType);
            };
            let out = f(c);
            Ok((out, c.is_empty()))
        });
        let Some(result) = result else {
            return Err(Error::WrongType);
        };
        let (out, empty) = result?;
        if empty {
            self.remove();
        }
        out
    }

    /// Deletes the key; `true` if it existed.
    pub(crate) fn remove(&mut self) -> bool {
        if self.slot.is_none() {
            return false;
        }
        self.modified();
        match self.slot.take() {
            Some(h) => {
                self.table.remove(&self.ks.hasher, self.hash, h);
                // A deleted stream ends its group readers' wait.
                self.signal_gone();
                true
            }
            None => false,
        }
    }

    /// Deletes the key as a command does that leaves it with nothing (a `*STORE` of an
    /// empty result, a `RESTORE` already expired): if it existed, the `del` event and
    /// a `DEL` in the log. `true` if it existed.
    pub(crate) fn remove_as_del(&mut self) -> bool {
        let removed = self.remove();
        if removed {
            self.notify(notify::GENERIC, "del");
            let key = self.key;
            self.propagate(|r| {
                r.arg("DEL").arg(key);
            });
        }
        removed
    }

    /// Deletes the key and returns its value and deadline.
    pub(crate) fn take(&mut self) -> Option<(Value, Option<u64>)> {
        self.slot?;
        self.modified();
        let h = self.slot.take()?;
        let slot = self.table.remove(&self.ks.hasher, self.hash, h);
        self.signal_gone();
        let expires_at = slot.expires_at();
        Some((slot.into_value(), expires_at))
    }

    /// Sets (or with `None` removes) the deadline of an existing key; a time not after
    /// "now" deletes the key. Returns `false` if the key is absent.
    pub(crate) fn set_expires_at(&mut self, expires_at: Option<u64>) -> bool {
        let Some(h) = self.slot else {
            return false;
        };
        if expires_at.is_some_and(|d| d <= self.ks.now()) {
            self.remove();
            return true;
        }
        let old = self.expires_at();
        if old == expires_at {
            return true;
        }
        self.modified();
        let (h, ()) = self.table.edit(&self.ks.hasher, self.hash, h, |slot| {
            slot.set_expires_at(expires_at);
        });
        self.slot = Some(h);
        self.schedule(old, expires_at);
        true
    }
}
