//! Server commands that need no connection state (`server.c`, `config.c`,
//! `pubsub.c`): `PING`, `ECHO`, `TIME`, `INFO`, `CONFIG`, `PUBLISH`, `PUBSUB`. `COMMAND`,
//! which describes the command table, is the table's own (`table/introspect.rs`).

use std::fmt::Write as _;

use super::keys::help;
use super::parse::is;
use super::{Ctx, Reply};
use crate::{Error, KeyspaceEvents, Result, Store};

pub(super) fn ping(_: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(match a {
        [_] => Reply::Simple("PONG".into()),
        [_, m] => Reply::from(*m),
        // The table's arity is -1; `pingCommand` refuses more than a message.
        _ => return Err(Error::WrongArity("ping")),
    })
}

/// A server command an embedded store has no use for yet (persistence, replication,
/// shutdown): known, so that `MULTI` refuses it as Redis does, but refused when run.
pub(super) fn unsupported(_: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let name = String::from_utf8_lossy(a[0]).to_ascii_uppercase();
    Ok(Reply::Error(
        format!("ERR {name} is not supported by an embedded store").into(),
    ))
}

/// `SAVE`: a snapshot to the store's `dir`/`dbfilename` ([`Store::save`](crate::Store::save)).
pub(super) fn save(c: &Ctx<'_>, _: &[&[u8]]) -> Result<Reply> {
    c.store.save()?;
    Ok(Reply::ok())
}

/// `BGSAVE [SCHEDULE]`: a snapshot in the background. Inside `EXEC` (whose shards this
/// thread holds) it is scheduled: it starts once the transaction has let go.
pub(super) fn bgsave(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let schedule = match a {
        [_] => false,
        [_, s] if s.eq_ignore_ascii_case(b"schedule") => true,
        _ => return Err(Error::Syntax),
    };
    if c.store.keyspace().bgsave_in_progress() {
        return Err(Error::BackgroundSaveInProgress);
    }
    // A log rewrite's snapshot is under way (Redis's other child).
    let busy = c.store.keyspace().background_in_progress();
    if busy && !schedule && !c.access.in_transaction() {
        return Ok(Reply::Error(
            "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible."
                .into(),
        ));
    }
    if c.access.in_transaction() || busy {
        return schedule_job(c, "embedis-bgsave", Store::bgsave)
            .map(|()| Reply::Simple("Background saving scheduled".into()));
    }
    // The save goes on alone; its outcome is LASTSAVE's.
    drop(c.store.bgsave()?);
    Ok(Reply::Simple("Background saving started".into()))
}

/// Runs `job` (a background save or rewrite) on a thread of its own once the
/// transaction this command runs in, or the background snapshot under way, has let go
/// (Redis's `rdb_bgsave_scheduled` and `aof_rewrite_scheduled`): tried every 10 ms, for
/// at most 10 minutes.
fn schedule_job(
    c: &Ctx<'_>,
    name: &str,
    job: fn(&Store) -> Result<crate::BackgroundSave>,
) -> Result<()> {
    let store = c.store.clone();
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            for _ in 0..60_000 {
                match job(&store) {
                    Ok(done) => {
                        let _ = done.wait();
                        return;
                    }
                    Err(Error::BackgroundSaveInProgress | Error::InsideTransaction) => {
                        std::thread::sleep(std::time::Duration::from_millis(10));
                    }
                    Err(_) => return,
                }
            }
        })
        .map(drop)
        .map_err(|e| Error::Io(format!("scheduling a background job: {e}")))
}

/// `BGREWRITEAOF`: a rewrite of the append-only log in the background
/// ([`Store::bgrewriteaof`](crate::Store::bgrewriteaof)). Inside `EXEC`, or while a
/// background save runs, it is scheduled: it starts once that has let go.
pub(super) fn bgrewriteaof(c: &Ctx<'_>, _: &[&[u8]]) -> Result<Reply> {
    if c.store.core.aof.rewriting() {
        return Err(Error::RewriteInProgress);
    }
    if c.access.in_transaction() || c.store.keyspace().background_in_progress() {
        return schedule_job(c, "embedis-aofrw", Store::bgrewriteaof)
            .map(|()| Reply::Simple("Background append only file rewriting scheduled".into()));
    }
    // The rewrite goes on alone.
    drop(c.store.bgrewriteaof()?);
    Ok(Reply::Simple(
        "Background append only file rewriting started".into(),
    ))
}

/// `LASTSAVE`: when the last snapshot was made, in seconds since the epoch.
pub(super) fn lastsave(c: &Ctx<'_>, _: &[&[u8]]) -> Result<Reply> {
    let at = c.store.lastsave().duration_since(std::time::UNIX_EPOCH);
    Ok(Reply::Integer(at.map_or(0, |d| {
        i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
    })))
}

/// `AUTH [username] password` against a Redis without ACLs: the `default` user, with
/// no password.
pub(super) fn auth(_: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    match a {
        [_, _] => Err(Error::NoPasswordConfigured),
        [_, b"default", _] => Ok(Reply::ok()),
        [_, _, _] => Err(Error::WrongPass),
        _ => Err(Error::Syntax),
    }
}

/// `WAIT numreplicas timeout`: a store has no replicas, so 0 acknowledge. Asked for
/// more, it waits out the timeout (0: until unblocked), as a Redis master without
/// replicas does.
pub(super) fn wait(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let replicas = super::parse::int(a[1])?;
    let timeout = crate::number::parse_i64(a[2]).ok_or_else(|| Error::TimeoutNotInteger)?;
    if timeout < 0 {
        return Err(Error::TimeoutNegative);
    }
    if c.cancel.is_none() || replicas <= 0 {
        return Ok(Reply::Integer(0));
    }
    // A wait on no key: it ends by its timeout or when unblocked, with no replica's
    // acknowledgement either way.
    let limit = (timeout > 0).then(|| std::time::Duration::from_millis(timeout.unsigned_abs()));
    let never: Box<crate::keyspace::blocking::Attempt> = Box::new(|_, _| None);
    let waited = crate::Blocked::call(
        c.access,
        c.db,
        Vec::new(),
        crate::KeyType::List,
        limit,
        c.cancel,
        never,
        None,
        |_| (),
    );
    // Unblocked (`CLIENT UNBLOCK`), the error goes on: the connection answers it as a
    // timeout (0) or, with `ERROR`, as the error.
    c.block(waited.map(|()| Reply::Integer(0)))
}

pub(super) fn echo(_: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(Reply::from(a[1]))
}

pub(super) fn time(c: &Ctx<'_>, _: &[&[u8]]) -> Result<Reply> {
    // The store's clock: a `ManualClock` moves `TIME` too.
    let now = c.store.keyspace().now_us();
    Ok(Reply::Array(vec![
        Reply::from((now / 1_000_000).to_string().as_str()),
        Reply::from((now % 1_000_000).to_string().as_str()),
    ]))
}

/// `INFO persistence`: Redis's fields that mean something here.
fn persistence_info(c: &Ctx<'_>, text: &mut String) {
    let core = &c.store.core;
    let feed = c.store.keyspace().feed();
    let rewriting = core.aof.rewriting();
    let bgsave = c.store.keyspace().bgsave_in_progress();
    let ok = |failed: bool| if failed { "err" } else { "ok" };
    let (saves, rewrites) = (&core.snapshots.runs, &core.aof.runs);
    text.push_str("# Persistence\r\n");
    // No fork, so no copy-on-write: those fields are 0, as Redis's before any child.
    let _ = write!(
        text,
        "loading:0\r\nasync_loading:0\r\ncurrent_cow_peak:0\r\ncurrent_cow_size:0\r\n\
         current_cow_size_age:0\r\ncurrent_fork_perc:0.00\r\ncurrent_save_keys_processed:0\r\n\
         current_save_keys_total:0\r\nrdb_changes_since_last_save:{}\r\n\
         rdb_bgsave_in_progress:{}\r\nrdb_last_save_time:{}\r\nrdb_last_bgsave_status:{}\r\n\
         rdb_last_bgsave_time_sec:{}\r\nrdb_current_bgsave_time_sec:{}\r\nrdb_saves:{}\r\n\
         rdb_last_cow_size:0\r\nrdb_last_load_keys_expired:{}\r\nrdb_last_load_keys_loaded:{}\r\n\
         aof_enabled:{}\r\naof_rewrite_in_progress:{}\r\naof_rewrite_scheduled:0\r\n\
         aof_last_rewrite_time_sec:{}\r\naof_current_rewrite_time_sec:{}\r\n\
         aof_last_bgrewrite_status:{}\r\naof_rewrites:{}\r\n\
         aof_rewrites_consecutive_failures:{}\r\naof_last_write_status:{}\r\n\
         aof_last_cow_size:0\r\nmodule_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n",
        core.snapshots.changes_since_save(c.store.access()),
        u8::from(bgsave),
        core.snapshots.lastsave(),
        ok(core.snapshots.last_failed()),
        saves.last_seconds(),
        if bgsave { saves.current_seconds() } else { -1 },
        saves.started(),
        c.store.keyspace().last_load().1,
        c.store.keyspace().last_load().0,
        u8::from(core.aof.enabled()),
        u8::from(rewriting),
        rewrites.last_seconds(),
        if rewriting {
            rewrites.current_seconds()
        } else {
            -1
        },
        ok(rewrites.failed()),
        rewrites.started(),
        rewrites.failures_in_a_row(),
        ok(feed.failed()),
    );
    if core.aof.enabled() {
        let (size, base) = core.aof.size(c.store.access());
        let _ = write!(
            text,
            "aof_current_size:{size}\r\naof_base_size:{base}\r\naof_pending_rewrite:0\r\n\
             aof_buffer_length:{}\r\naof_pending_bio_fsync:0\r\naof_delayed_fsync:0\r\n\
             aof_last_load_truncated:{}\r\n",
            feed.buffered(),
            u8::from(core.aof.truncated_at_load()),
        );
    }
    text.push_str("\r\n");
}

pub(super) fn info(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let all = a.len() == 1
        || a[1..]
            .iter()
            .any(|s| is(s, "all") || is(s, "everything") || is(s, "default"));
    let wants = |name: &str| all || a[1..].iter().any(|s| is(s, name));
    let mut text = String::new();
    let store = c.store;
    if wants("server") {
        text.push_str("# Server\r\n");
        let _ = write!(text, "embedis_version:{}\r\n", env!("CARGO_PKG_VERSION"));
        let mode = if store.cluster_mode() {
            "cluster"
        } else {
            "standalone"
        };
        let _ = write!(text, "redis_version:7.0.15\r\nredis_mode:{mode}\r\n");
        let _ = write!(text, "process_id:{}\r\n", std::process::id());
        let _ = write!(text, "databases:{}\r\n\r\n", store.databases());
    }
    let info = store.info();
    if wants("clients") {
        text.push_str("# Clients\r\n");
        let _ = write!(
            text,
            "connected_clients:{}\r\nblocked_clients:{}\r\n\r\n",
            info.connected_clients, info.blocked_clients
        );
    }
    if wants("stats") {
        text.push_str("# Stats\r\n");
        let _ = write!(
            text,
            "total_commands_processed:{}\r\nexpired_keys:{}\r\nevicted_keys:{}\r\nkeyspace_hits:{}\r\nkeyspace_misses:{}\r\n\r\n",
            info.total_commands_processed,
            info.expired_keys,
            info.evicted_keys,
            info.keyspace_hits,
            info.keyspace_misses,
        );
    }
    if wants("memory") {
        text.push_str("# Memory\r\n");
        let _ = write!(
            text,
            "used_memory:{}\r\nused_memory_human:{}\r\nused_memory_lua:{}\r\nnumber_of_cached_scripts:{}\r\nnumber_of_functions:{}\r\nmaxmemory:{}\r\nmaxmemory_human:{}\r\nmaxmemory_policy:{}\r\n\r\n",
            info.used_memory,
            human_bytes(info.used_memory),
            lua_memory(c),
            cached_scripts(c),
            functions_count(c),
            info.maxmemory,
            human_bytes(info.maxmemory),
            store.eviction_policy(),
        );
    }
    if wants("persistence") {
        persistence_info(c, &mut text);
    }
    if wants("keyspace") {
        text.push_str("# Keyspace\r\n");
        for db in 0..store.databases() {
            let (keys, expires) = c.access.counts(db)?;
            if keys > 0 {
                let _ = write!(text, "db{db}:keys={keys},expires={expires},avg_ttl=0\r\n");
            }
        }
    }
    // Sections are separated by an empty line; the text ends with its last line's CRLF.
    let mut text = text.trim_end_matches("\r\n").to_owned();
    if !text.is_empty() {
        text.push_str("\r\n");
    }
    Ok(Reply::Verbatim(text.into()))
}

/// Redis's `bytesToHuman`.
#[allow(clippy::cast_precision_loss)] // two decimals
fn human_bytes(n: usize) -> String {
    let units = ["K", "M", "G", "T", "P"];
    if n < 1024 {
        return format!("{n}B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.2}{}", units[unit])
}

/// Redis's `memtoull`: a byte count with an optional unit (`k` 1000, `kb` 1024, `m`,
/// `mb`, `g`, `gb`), in any case.
fn memory_value(v: &[u8]) -> Option<usize> {
    let text = std::str::from_utf8(v).ok()?.to_ascii_lowercase();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let mul: usize = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1_000_000,
        "mb" => 1 << 20,
        "g" => 1_000_000_000,
        "gb" => 1 << 30,
        _ => return None,
    };
    if digits.is_empty() {
        return None;
    }
    digits.parse::<usize>().ok()?.checked_mul(mul)
}

/// `CONFIG SET`'s error for a bad value of `name`.
fn config_error(name: &str, why: &str) -> Reply {
    Reply::Error(
        format!("ERR CONFIG SET failed (possibly related to argument '{name}') - {why}").into(),
    )
}

/// Applies one eviction setting; `None` if `name` is not one.
/// A size in bytes of 0 to `i64::MAX`, in Redis's memory units (`1kb`, `5mb`; an empty
/// value is 0, as `memtoull` reads it): `hll-sparse-max-bytes`, `stream-node-max-bytes`.
fn byte_count(name: &str, value: &[u8]) -> std::result::Result<usize, Reply> {
    let bytes = if value.is_empty() {
        Some(0)
    } else {
        memory_value(value)
    };
    let bounded = || {
        config_error(
            name,
            &format!("argument must be between 0 and {} inclusive", i64::MAX),
        )
    };
    match bytes {
        Some(n) if i64::try_from(n).is_ok() => Ok(n),
        // A count too large even for u64 is out of range too (strtoull saturates).
        Some(_) => Err(bounded()),
        None if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => Err(bounded()),
        None => Err(config_error(name, "argument must be a memory value")),
    }
}

fn set_memory_option(
    c: &Ctx<'_>,
    name: &[u8],
    value: &[u8],
) -> Option<std::result::Result<(), Reply>> {
    let memory = c.store.keyspace().memory();
    let int = |lo: i64, hi: i64| crate::number::parse_i64(value).filter(|n| (lo..=hi).contains(n));
    let bounded = |n: &str, lo: i64, hi: i64| {
        config_error(
            n,
            &format!("argument must be between {lo} and {hi} inclusive"),
        )
    };
    Some(if is(name, "maxmemory") {
        match memory_value(value) {
            Some(bytes) => {
                memory.set_limit(bytes);
                c.access.shrink_to_limit().map_err(Reply::from)
            }
            None => Err(config_error("maxmemory", "argument must be a memory value")),
        }
    } else if is(name, "maxmemory-policy") {
        match std::str::from_utf8(value).ok().and_then(|v| v.parse().ok()) {
            Some(policy) => c.access.set_policy(policy).map_err(Reply::from),
            None => Err(config_error(
                "maxmemory-policy",
                "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction",
            )),
        }
    } else if is(name, "maxmemory-samples") {
        match int(1, i64::from(i32::MAX)) {
            Some(n) => {
                memory.set_samples(usize::try_from(n).unwrap_or(5));
                Ok(())
            }
            None => Err(bounded("maxmemory-samples", 1, i64::from(i32::MAX))),
        }
    } else if is(name, "hll-sparse-max-bytes") {
        byte_count("hll-sparse-max-bytes", value)
            .map(|n| c.store.keyspace().set_hll_sparse_max_bytes(n))
    } else if is(name, "stream-node-max-bytes") {
        byte_count("stream-node-max-bytes", value)
            .map(|n| c.store.keyspace().set_stream_node_max_bytes(n))
    } else if is(name, "stream-node-max-entries") {
        match int(0, i64::MAX).and_then(|n| usize::try_from(n).ok()) {
            Some(n) => {
                c.store.keyspace().set_stream_node_max_entries(n);
                Ok(())
            }
            None if crate::number::parse_i64(value).is_some() => {
                Err(bounded("stream-node-max-entries", 0, i64::MAX))
            }
            None => Err(config_error(
                "stream-node-max-entries",
                "argument couldn't be parsed into an integer",
            )),
        }
    } else if is(name, "lfu-log-factor") || is(name, "lfu-decay-time") {
        let max = i64::from(i32::MAX);
        let log = is(name, "lfu-log-factor");
        match int(0, max).and_then(|n| u32::try_from(n).ok()) {
            Some(n) if log => {
                memory.set_log_factor(n);
                Ok(())
            }
            Some(n) => {
                memory.set_decay_minutes(n);
                Ok(())
            }
            None => Err(bounded(
                if log {
                    "lfu-log-factor"
                } else {
                    "lfu-decay-time"
                },
                0,
                max,
            )),
        }
    } else {
        return None;
    })
}

/// The settings `CONFIG GET` knows, with their current values.
/// A redis-server `yes`/`no` setting.
fn yes_no(on: bool) -> String {
    if on { "yes" } else { "no" }.to_owned()
}

/// The persistence settings, as `CONFIG GET` shows them (the log's defaults when it
/// is off).
fn persistence_values(c: &Ctx<'_>) -> Vec<(&'static str, String)> {
    let core = &c.store.core;
    let snapshots = &core.snapshots;
    let dir = std::path::absolute(snapshots.dir()).unwrap_or_else(|_| snapshots.dir().into());
    let config = core.aof.config();
    let auto = core.aof.auto_rewrite();
    let fsync = c.store.keyspace().feed().policy();
    vec![
        ("aof-load-truncated", yes_no(core.aof.load_truncated())),
        ("aof-use-rdb-preamble", yes_no(core.aof.use_rdb_preamble())),
        ("appenddirname", config.dirname.clone()),
        ("appendfilename", config.filename.clone()),
        ("appendfsync", fsync.as_str().to_owned()),
        ("appendonly", yes_no(core.aof.enabled())),
        ("auto-aof-rewrite-min-size", auto.1.to_string()),
        ("auto-aof-rewrite-percentage", auto.0.to_string()),
        ("dbfilename", snapshots.dbfilename().to_owned()),
        ("dir", dir.to_string_lossy().into_owned()),
        ("rdbchecksum", yes_no(c.store.keyspace().rdb_checksum())),
        (
            "stop-writes-on-bgsave-error",
            yes_no(snapshots.stop_writes()),
        ),
        (
            "rdbcompression",
            yes_no(c.store.keyspace().rdb_compression()),
        ),
        (
            "save",
            snapshots
                .rules()
                .iter()
                .map(|(secs, changes)| format!("{secs} {changes}"))
                .collect::<Vec<_>>()
                .join(" "),
        ),
    ]
}

/// A `yes`/`no` setting's value, or `CONFIG SET`'s refusal.
fn bool_value(name: &str, value: &[u8]) -> std::result::Result<bool, Reply> {
    if is(value, "yes") {
        Ok(true)
    } else if is(value, "no") {
        Ok(false)
    } else {
        Err(config_error(name, "argument must be 'yes' or 'no'"))
    }
}

/// Applies one setting of the append-only log; `None` if `name` is not one.
fn set_log_option(
    c: &Ctx<'_>,
    name: &[u8],
    value: &[u8],
) -> Option<std::result::Result<(), Reply>> {
    let aof = &c.store.core.aof;
    let number = || {
        std::str::from_utf8(value)
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
    };
    Some(if is(name, "appendfsync") {
        match std::str::from_utf8(value)
            .ok()
            .and_then(crate::AppendFsync::parse)
        {
            Some(policy) => {
                c.store.keyspace().feed().set_policy(policy);
                Ok(())
            }
            None => Err(config_error(
                "appendfsync",
                "argument(s) must be one of the following: everysec, always, no",
            )),
        }
    } else if is(name, "auto-aof-rewrite-percentage") {
        match number().filter(|&n| i32::try_from(n).is_ok()) {
            Some(n) => {
                aof.set_auto_rewrite(Some(n), None);
                Ok(())
            }
            None => Err(config_error(
                "auto-aof-rewrite-percentage",
                &format!("argument must be between 0 and {} inclusive", i32::MAX),
            )),
        }
    } else if is(name, "auto-aof-rewrite-min-size") {
        match memory_value(value) {
            Some(n) => {
                aof.set_auto_rewrite(None, Some(n as u64));
                Ok(())
            }
            None => Err(config_error(
                "auto-aof-rewrite-min-size",
                "argument must be a memory value",
            )),
        }
    } else if is(name, "save") {
        let words: Vec<Option<u64>> = value
            .split(u8::is_ascii_whitespace)
            .filter(|w| !w.is_empty())
            .map(|w| std::str::from_utf8(w).ok().and_then(|w| w.parse().ok()))
            .collect();
        // Seconds at least 1, changes at least 0 (`setConfigSaveOption`).
        let bad = words
            .iter()
            .enumerate()
            .any(|(i, w)| w.is_none_or(|w| i % 2 == 0 && w < 1));
        if words.len() % 2 == 1 || bad {
            return Some(Err(config_error("save", "Invalid save parameters")));
        }
        let rules = words
            .chunks(2)
            .map(|p| (p[0].unwrap_or(0), p[1].unwrap_or(0)))
            .collect();
        c.store.core.set_save_rules(rules);
        Ok(())
    } else if is(name, "dir") || is(name, "dbfilename") {
        // Protected settings in Redis 7.0.
        let name = String::from_utf8_lossy(name).into_owned();
        Err(config_error(&name, "can't set protected config"))
    } else if is(name, "stop-writes-on-bgsave-error") {
        bool_value("stop-writes-on-bgsave-error", value).map(|on| {
            c.store.core.snapshots.set_stop_writes(c.store.access(), on);
        })
    } else if is(name, "rdbcompression") {
        bool_value("rdbcompression", value).map(|on| c.store.keyspace().set_rdb_compression(on))
    } else if is(name, "aof-use-rdb-preamble") {
        bool_value("aof-use-rdb-preamble", value).map(|on| aof.set_use_rdb_preamble(on))
    } else if is(name, "aof-load-truncated") {
        bool_value("aof-load-truncated", value).map(|on| aof.set_load_truncated(on))
    } else if is(name, "appendonly") {
        bool_value("appendonly", value)
            .and_then(|on| c.store.core.set_appendonly(on).map_err(Reply::from))
    } else if is(name, "appenddirname") || is(name, "appendfilename") || is(name, "rdbchecksum") {
        let name = String::from_utf8_lossy(name).into_owned();
        Err(config_error(&name, "can't set immutable config"))
    } else {
        return None;
    })
}

/// The Lua state's bytes (`used_memory_lua`; Redis counts an empty state's too).
fn lua_memory(c: &Ctx<'_>) -> usize {
    #[cfg(feature = "scripting")]
    return c.store.core.scripting.lua_memory();
    #[cfg(not(feature = "scripting"))]
    {
        let _ = c;
        0
    }
}

/// Scripts in the cache (`number_of_cached_scripts`).
fn cached_scripts(c: &Ctx<'_>) -> usize {
    #[cfg(feature = "scripting")]
    return c.store.core.scripting.cache_size().0;
    #[cfg(not(feature = "scripting"))]
    {
        let _ = c;
        0
    }
}

/// Functions registered (`number_of_functions`).
fn functions_count(c: &Ctx<'_>) -> usize {
    #[cfg(feature = "scripting")]
    return c.store.core.scripting.function_stats().functions;
    #[cfg(not(feature = "scripting"))]
    {
        let _ = c;
        0
    }
}

/// `busy-reply-threshold`, in milliseconds.
fn busy_threshold(c: &Ctx<'_>) -> String {
    #[cfg(feature = "scripting")]
    return c
        .store
        .core
        .scripting
        .run_state()
        .threshold_ms()
        .to_string();
    #[cfg(not(feature = "scripting"))]
    {
        let _ = c;
        "5000".into()
    }
}

fn config_values(c: &Ctx<'_>) -> Vec<(&'static str, String)> {
    let store = c.store;
    let mut values = persistence_values(c);
    values.extend(vec![
        ("databases", store.databases().to_string()),
        (
            "hll-sparse-max-bytes",
            store.keyspace().hll_sparse_max_bytes().to_string(),
        ),
        ("hz", "10".into()),
        ("busy-reply-threshold", busy_threshold(c)),
        ("lua-time-limit", busy_threshold(c)),
        (
            "stream-node-max-bytes",
            store.keyspace().stream_node_limits().max_bytes.to_string(),
        ),
        (
            "stream-node-max-entries",
            store
                .keyspace()
                .stream_node_limits()
                .max_entries
                .to_string(),
        ),
        (
            "lfu-decay-time",
            store.keyspace().memory().decay_minutes().to_string(),
        ),
        (
            "lfu-log-factor",
            store.keyspace().memory().log_factor().to_string(),
        ),
        ("maxmemory", store.max_memory().to_string()),
        ("maxmemory-policy", store.eviction_policy().to_string()),
        (
            "maxmemory-samples",
            store.keyspace().memory().samples().to_string(),
        ),
        (
            "notify-keyspace-events",
            store.notify_keyspace_events().to_string(),
        ),
        (
            "proto-max-bulk-len",
            store.keyspace().max_string_size().to_string(),
        ),
    ]);
    values
}

const CONFIG_HELP: &[&str] = &[
    "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GET <pattern>",
    "    Return parameters matching the glob-like <pattern> and their values.",
    "SET <directive> <value>",
    "    Set the configuration <directive> to <value>.",
    "RESETSTAT",
    "    Reset statistics reported by the INFO command.",
    "HELP",
    "    Prints this help.",
];

pub(super) fn config(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let sub = a[1];
    if is(sub, "HELP") && a.len() == 2 {
        return Ok(help(CONFIG_HELP));
    }
    if is(sub, "GET") && a.len() >= 3 {
        let values = config_values(c);
        let mut out = Vec::new();
        for (name, value) in &values {
            if a[2..]
                .iter()
                .any(|p| crate::glob::matches(&p.to_ascii_lowercase(), name.as_bytes()))
            {
                out.push((Reply::from(*name), Reply::from(value.as_str())));
            }
        }
        return Ok(Reply::Map(out));
    }
    if is(sub, "SET") && a.len() >= 4 && a.len().is_multiple_of(2) {
        for pair in a[2..].chunks_exact(2) {
            let (name, value) = (pair[0], pair[1]);
            if is(name, "notify-keyspace-events") {
                let events = std::str::from_utf8(value)
                    .map_err(|_| Error::InvalidEventClass)
                    .and_then(KeyspaceEvents::parse);
                let Ok(events) = events else {
                    return Ok(Reply::Error(
                        "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".into(),
                    ));
                };
                c.store.set_notify_keyspace_events(events);
            } else if let Some(applied) =
                set_memory_option(c, name, value).or_else(|| set_log_option(c, name, value))
            {
                if let Err(reply) = applied {
                    return Ok(reply);
                }
            } else if is(name, "busy-reply-threshold") || is(name, "lua-time-limit") {
                let name = String::from_utf8_lossy(name).to_ascii_lowercase();
                let Some(ms) = crate::number::parse_i64(value) else {
                    return Ok(Reply::Error(
                        format!("ERR CONFIG SET failed (possibly related to argument '{name}') - argument couldn't be parsed into an integer").into(),
                    ));
                };
                if ms < 0 {
                    return Ok(Reply::Error(
                        format!("ERR CONFIG SET failed (possibly related to argument '{name}') - argument must be between 0 and 9223372036854775807 inclusive").into(),
                    ));
                }
                #[cfg(feature = "scripting")]
                c.store
                    .core
                    .scripting
                    .run_state()
                    .set_threshold_ms(ms.unsigned_abs());
                #[cfg(not(feature = "scripting"))]
                let _ = ms;
            } else if is(name, "hz") {
                // Accepted: the sweeper's pace is the store's resolution.
            } else {
                let name = String::from_utf8_lossy(name).into_owned();
                return Ok(Reply::Error(
                    format!("ERR Unknown option or number of arguments for CONFIG SET - '{name}'")
                        .into(),
                ));
            }
        }
        return Ok(Reply::ok());
    }
    if is(sub, "RESETSTAT") && a.len() == 2 {
        c.store.keyspace().stats().reset();
        return Ok(Reply::ok());
    }
    Ok(super::subcommand_syntax_error(sub, "CONFIG"))
}

const MEMORY_HELP: &[&str] = &[
    "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
    "HELP",
    "    Prints this help.",
];

pub(super) fn memory(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let sub = a[1];
    if is(sub, "HELP") && a.len() == 2 {
        return Ok(help(MEMORY_HELP));
    }
    if is(sub, "USAGE") {
        // SAMPLES is accepted and checked; the estimate is exact without sampling.
        let mut rest = a[3..].iter();
        while let Some(opt) = rest.next() {
            match rest.next() {
                Some(n) if is(opt, "SAMPLES") => {
                    super::parse::int(n)?;
                }
                _ => return Err(Error::Syntax),
            }
        }
        return Ok(c.keys().memory_usage(a[2])?.map_or(Reply::Nil, |n| {
            Reply::Integer(i64::try_from(n).unwrap_or(i64::MAX))
        }));
    }
    Ok(super::subcommand_syntax_error(sub, "MEMORY"))
}

pub(super) fn publish(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.store.pubsub().publish(a[1], a[2])?.into())
}

pub(super) fn spublish(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    Ok(c.store.pubsub().spublish(a[1], a[2])?.into())
}

pub(super) fn pubsub(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let sub = a[1];
    let ps = c.store.pubsub();
    if is(sub, "CHANNELS") && a.len() <= 3 {
        return Ok(ps.channels(a.get(2))?.into());
    }
    if is(sub, "SHARDCHANNELS") && a.len() <= 3 {
        return Ok(ps.shard_channels(a.get(2))?.into());
    }
    if is(sub, "NUMSUB") || is(sub, "SHARDNUMSUB") {
        let counts = if is(sub, "NUMSUB") {
            ps.numsub(&a[2..])?
        } else {
            ps.shard_numsub(&a[2..])?
        };
        return Ok(Reply::Array(
            counts
                .into_iter()
                .flat_map(|(ch, n)| [Reply::from(ch), Reply::from(n)])
                .collect(),
        ));
    }
    if is(sub, "NUMPAT") && a.len() == 2 {
        return Ok(ps.numpat()?.into());
    }
    if is(sub, "HELP") {
        return Ok(help(&[
            "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
            "SHARDCHANNELS [<pattern>]",
            "    Return the currently active shard level channels matching a <pattern> (default: '*').",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Return the number of subscribers for the specified shard level channel(s)",
            "HELP",
            "    Prints this help.",
        ]));
    }
    Ok(super::subcommand_syntax_error(sub, "PUBSUB"))
}
