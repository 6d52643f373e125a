//! Consumer-group and introspection commands on streams (`t_stream.c`): `XGROUP`,
//! `XREADGROUP`, `XACK`, `XPENDING`, `XCLAIM`, `XAUTOCLAIM` and `XINFO`, with their
//! arguments read in Redis's order.

use std::time::Duration;

use super::keys::help;
use super::parse::is;
use super::streams::{IdForm, entry_reply, interval, long, parse_id, strict_id, to_i64};
use super::{Ctx, Reply, subcommand_syntax_error};
use crate::streams::{
    ClaimTime, GroupCreate, GroupEntry, GroupRead, GroupStart, PendingRange, XClaim, XReadGroup,
};
use crate::{Error, KeyType, Result, StreamEntry, StreamId};

const XGROUP_HELP: &[&str] = &[
    "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
    "HELP",
    "    Prints this help.",
];

const XINFO_HELP: &[&str] = &[
    "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
    "HELP",
    "    Prints this help.",
];

fn id_reply(id: StreamId) -> Reply {
    Reply::Bulk(id.to_string().into())
}

fn uint(n: u64) -> Reply {
    Reply::Integer(to_i64(n))
}

/// A count Redis keeps as `long long` and prints as one.
fn signed(n: u64) -> Reply {
    #[allow(clippy::cast_possible_wrap)]
    Reply::Integer(n as i64)
}

/// A map reply (a flat array in RESP2).
fn pairs(_c: &Ctx<'_>, fields: Vec<(&'static str, Reply)>) -> Reply {
    Reply::Map(
        fields
            .into_iter()
            .map(|(k, v)| (Reply::from(k), v))
            .collect(),
    )
}

/// `XGROUP CREATE|SETID|DESTROY|CREATECONSUMER|DELCONSUMER|HELP`.
pub(super) fn xgroup(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let sub = a[1];
    if a.len() == 2 && is(sub, "HELP") {
        return Ok(help(XGROUP_HELP));
    }
    let mut mkstream = false;
    let mut entries_read = None;
    if a.len() >= 4 {
        let (create, setid) = (is(sub, "CREATE"), is(sub, "SETID"));
        let mut i = 5;
        while i < a.len() {
            if create && is(a[i], "MKSTREAM") {
                mkstream = true;
                i += 1;
            } else if (create || setid) && is(a[i], "ENTRIESREAD") && i + 1 < a.len() {
                let n = long(a[i + 1])?;
                if n < 0 && n != -1 {
                    return Err(Error::StreamArgument(
                        "value for ENTRIESREAD must be positive or -1",
                    ));
                }
                entries_read = u64::try_from(n).ok();
                i += 2;
            } else {
                return Ok(subcommand_syntax_error(sub, "XGROUP"));
            }
        }
        let exists = c.holds(a[2], KeyType::Stream)?;
        if !mkstream {
            if !exists {
                return Err(Error::GroupNeedsStream);
            }
            let has_group = c.streams().has_group(a[2], a[3])?;
            if !has_group && (setid || is(sub, "CREATECONSUMER") || is(sub, "DELCONSUMER")) {
                return Err(Error::NoSuchGroup(Box::new((
                    crate::streams::c_text(a[3]),
                    crate::streams::c_text(a[2]),
                ))));
            }
        }
    }
    let streams = c.streams();
    let n = a.len();
    if is(sub, "CREATE") && (5..=8).contains(&n) {
        let start = if a[4] == b"$" {
            GroupStart::Last
        } else {
            GroupStart::Id(strict_id(a[4])?)
        };
        let mut options = GroupCreate {
            start,
            mkstream,
            entries_read: None,
        };
        options.entries_read = entries_read;
        streams.xgroup_create(a[2], a[3], &options)?;
        Ok(Reply::ok())
    } else if is(sub, "SETID") && (n == 5 || n == 7) {
        let start = if a[4] == b"$" {
            GroupStart::Last
        } else {
            GroupStart::Id(parse_id(a[4], 0, IdForm::Range)?.0)
        };
        streams.xgroup_setid(a[2], a[3], start, entries_read)?;
        Ok(Reply::ok())
    } else if is(sub, "DESTROY") && n == 4 {
        Ok(Reply::Integer(i64::from(
            streams.xgroup_destroy(a[2], a[3])?,
        )))
    } else if is(sub, "CREATECONSUMER") && n == 5 {
        Ok(Reply::Integer(i64::from(
            streams.xgroup_createconsumer(a[2], a[3], a[4])?,
        )))
    } else if is(sub, "DELCONSUMER") && n == 5 {
        Ok(uint(streams.xgroup_delconsumer(a[2], a[3], a[4])?))
    } else {
        Ok(subcommand_syntax_error(sub, "XGROUP"))
    }
}

fn group_entry_reply(e: GroupEntry) -> Reply {
    match e.fields {
        Some(fields) => entry_reply(StreamEntry { id: e.id, fields }),
        None => Reply::Array(vec![id_reply(e.id), Reply::NilArray]),
    }
}

/// `XREADGROUP GROUP group consumer [COUNT n] [BLOCK ms] [NOACK] STREAMS key… id…`.
#[allow(clippy::many_single_char_names)]
pub(super) fn xreadgroup(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let super::streams::ReadArgs {
        timeout,
        count,
        noack,
        group,
        streams_at: at,
    } = super::streams::read_args(a, true, c.script)?;
    let Some((group, consumer)) = group else {
        return Err(Error::StreamArgument("Missing GROUP option for XREADGROUP"));
    };
    let n = (a.len() - at) / 2;
    let streams = c.streams();
    let mut from: Vec<(&[u8], GroupRead)> = Vec::with_capacity(n);
    for k in 0..n {
        let (key, id) = (a[at + k], a[at + n + k]);
        // Per stream, as Redis: its type and its group, then its ID.
        streams.check_group_read(key, group)?;
        let read = if id == b"$" {
            return Err(Error::StreamArgument(
                "The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.",
            ));
        } else if id == b">" {
            GroupRead::New
        } else {
            // Redis marks `>` with the largest ID: given, it reads new entries too.
            match strict_id(id)? {
                StreamId::MAX => GroupRead::New,
                id => GroupRead::Pending(id),
            }
        };
        from.push((key, read));
    }
    let mut options = XReadGroup::new(group, consumer).count(count);
    if noack {
        options = options.noack();
    }
    let resp3 = c.resp3;
    match timeout {
        None => Ok(group_read_reply(
            resp3,
            Some(streams.xreadgroup(&options, &from)?),
        )),
        Some(ms) => {
            let wait = (ms > 0).then(|| Duration::from_millis(ms.unsigned_abs()));
            let read = streams.xreadgroup_block_async(&options, &from, wait);
            c.block(read.map(move |read| group_read_reply(resp3, read)))
        }
    }
}

/// `XREADGROUP`'s reply: per stream, its key and entries (a map in RESP3); the null
/// array when nothing was read.
fn group_read_reply(resp3: bool, read: Option<crate::GroupReads>) -> Reply {
    let Some(read) = read.filter(|r| !r.is_empty()) else {
        return Reply::NilArray;
    };
    let pairs = read.into_iter().map(|(key, entries)| {
        (
            key.into(),
            Reply::Array(entries.into_iter().map(group_entry_reply).collect()),
        )
    });
    if resp3 {
        Reply::Map(pairs.collect())
    } else {
        Reply::Array(pairs.map(|(k, v)| Reply::Array(vec![k, v])).collect())
    }
}

/// `XACK key group id…`.
pub(super) fn xack(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let ids = || {
        a[3..]
            .iter()
            .map(|id| strict_id(id))
            .collect::<Result<Vec<_>>>()
    };
    Ok(uint(c.streams().ack(a[1], a[2], ids)?))
}

/// `XPENDING key group [[IDLE ms] start end count [consumer]]`.
pub(super) fn xpending(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let n = a.len();
    if n != 3 && !(6..=9).contains(&n) {
        return Err(Error::Syntax);
    }
    let mut range = None;
    if n >= 6 {
        let mut at = 3;
        let mut min_idle = 0;
        if is(a[3], "IDLE") {
            min_idle = long(a[4])?;
            if n < 8 {
                return Err(Error::Syntax);
            }
            at += 2;
        }
        let count = u64::try_from(long(a[at + 2])?.max(0)).unwrap_or(0);
        let (mut start, start_ex) = interval(a[at], 0)?;
        if start_ex {
            start = start
                .next()
                .ok_or(Error::StreamArgument("invalid start ID for the interval"))?;
        }
        let (mut end, end_ex) = interval(a[at + 1], u64::MAX)?;
        if end_ex {
            end = end
                .prev()
                .ok_or(Error::StreamArgument("invalid end ID for the interval"))?;
        }
        let mut r = PendingRange::new(start, end, count).idle(min_idle);
        if at + 3 < n {
            r = r.consumer(a[at + 3]);
        }
        range = Some(r);
    }
    let streams = c.streams();
    let Some(range) = range else {
        let summary = streams.xpending(a[1], a[2])?;
        let Some((first, last)) = summary.range else {
            return Ok(Reply::Array(vec![
                Reply::Integer(0),
                Reply::Nil,
                Reply::Nil,
                Reply::NilArray,
            ]));
        };
        let consumers = summary
            .consumers
            .into_iter()
            .map(|(name, n)| Reply::Array(vec![name.into(), Reply::Bulk(n.to_string().into())]))
            .collect();
        return Ok(Reply::Array(vec![
            uint(summary.count),
            id_reply(first),
            id_reply(last),
            Reply::Array(consumers),
        ]));
    };
    let list = streams.xpending_range(a[1], a[2], &range)?;
    Ok(Reply::Array(
        list.into_iter()
            .map(|p| {
                Reply::Array(vec![
                    id_reply(p.id),
                    p.consumer.into(),
                    uint(p.idle),
                    uint(p.deliveries),
                ])
            })
            .collect(),
    ))
}

/// `XCLAIM key group consumer min-idle id… [IDLE ms] [TIME ms] [RETRYCOUNT n] [FORCE]
/// [JUSTID] [LASTID id]`.
#[allow(clippy::many_single_char_names)] // the handlers' `c` and `a`, and indices
pub(super) fn xclaim(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let streams = c.streams();
    streams.check_group(a[1], a[2])?;
    let min_idle = crate::number::parse_i64(a[4]).ok_or(Error::StreamArgument(
        "Invalid min-idle-time argument for XCLAIM",
    ))?;
    let mut j = 5;
    let mut ids = Vec::new();
    while j < a.len() {
        match parse_id(a[j], 0, IdForm::Strict) {
            Ok((id, _)) => ids.push(id),
            Err(_) => break,
        }
        j += 1;
    }
    let mut options = XClaim::new();
    let mut just_id = false;
    while j < a.len() {
        let more = a.len() - 1 - j;
        let o = a[j];
        let num = |arg: &[u8], msg: &'static str| {
            crate::number::parse_i64(arg).ok_or(Error::StreamArgument(msg))
        };
        if is(o, "FORCE") {
            options = options.force();
        } else if is(o, "JUSTID") {
            just_id = true;
        } else if is(o, "IDLE") && more > 0 {
            j += 1;
            let ms = num(a[j], "Invalid IDLE option argument for XCLAIM")?;
            options = options.time(ClaimTime::Idle(ms));
        } else if is(o, "TIME") && more > 0 {
            j += 1;
            let ms = num(a[j], "Invalid TIME option argument for XCLAIM")?;
            options = options.time(ClaimTime::At(ms));
        } else if is(o, "RETRYCOUNT") && more > 0 {
            j += 1;
            let n = num(a[j], "Invalid RETRYCOUNT option argument for XCLAIM")?;
            if let Ok(n) = u64::try_from(n) {
                options = options.retry_count(n);
            } else {
                options.retry_count = None;
            }
        } else if is(o, "LASTID") && more > 0 {
            j += 1;
            options = options.last_id(strict_id(a[j])?);
        } else {
            return Err(Error::UnknownClaimOption(crate::streams::c_text(o)));
        }
        j += 1;
    }
    let min_idle = u64::try_from(min_idle).unwrap_or(0);
    let claimed = streams.claim(a[1], a[2], a[3], min_idle, &ids, &options, just_id)?;
    Ok(Reply::Array(
        claimed
            .entries
            .into_iter()
            .map(|e| {
                if just_id {
                    id_reply(e.id)
                } else {
                    entry_reply(e)
                }
            })
            .collect(),
    ))
}

/// `XAUTOCLAIM key group consumer min-idle start [COUNT n] [JUSTID]`.
pub(super) fn xautoclaim(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let min_idle = crate::number::parse_i64(a[4]).ok_or(Error::StreamArgument(
        "Invalid min-idle-time argument for XAUTOCLAIM",
    ))?;
    let (mut start, start_ex) = interval(a[5], 0)?;
    if start_ex {
        start = start
            .next()
            .ok_or(Error::StreamArgument("invalid start ID for the interval"))?;
    }
    let mut count = 100u64;
    let mut just_id = false;
    let mut j = 6;
    while j < a.len() {
        let more = a.len() - 1 - j;
        if is(a[j], "COUNT") && more > 0 {
            // LONG_MAX / max(sizeof(streamID), 10).
            let max = i64::MAX / 16;
            count = crate::number::parse_i64(a[j + 1])
                .filter(|n| (1..=max).contains(n))
                .and_then(|n| u64::try_from(n).ok())
                .ok_or(Error::StreamArgument("COUNT must be > 0"))?;
            j += 1;
        } else if is(a[j], "JUSTID") {
            just_id = true;
        } else {
            return Err(Error::Syntax);
        }
        j += 1;
    }
    let min_idle = u64::try_from(min_idle).unwrap_or(0);
    let claimed = c
        .streams()
        .autoclaim(a[1], a[2], a[3], (min_idle, start, count), just_id)?;
    let entries = claimed
        .entries
        .into_iter()
        .map(|e| {
            if just_id {
                id_reply(e.id)
            } else {
                entry_reply(e)
            }
        })
        .collect();
    Ok(Reply::Array(vec![
        id_reply(claimed.next),
        Reply::Array(entries),
        Reply::Array(claimed.deleted.into_iter().map(id_reply).collect()),
    ]))
}

/// `XINFO STREAM key [FULL [COUNT n]]`, `XINFO GROUPS key`, `XINFO CONSUMERS key
/// group`, `XINFO HELP`.
pub(super) fn xinfo(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let sub = a[1];
    if is(sub, "HELP") {
        if a.len() != 2 {
            return Ok(subcommand_syntax_error(sub, "XINFO"));
        }
        return Ok(help(XINFO_HELP));
    }
    if a.len() < 3 {
        return Ok(subcommand_syntax_error(sub, "XINFO"));
    }
    let streams = c.streams();
    let key = a[2];
    if !c.holds(key, KeyType::Stream)? {
        return Err(Error::NoSuchKey);
    }
    if is(sub, "CONSUMERS") && a.len() == 4 {
        let list = streams.xinfo_consumers(key, a[3])?;
        return Ok(Reply::Array(
            list.into_iter()
                .map(|k| {
                    pairs(
                        c,
                        vec![
                            ("name", k.name.into()),
                            ("pending", uint(k.pending)),
                            ("idle", uint(k.idle)),
                        ],
                    )
                })
                .collect(),
        ));
    }
    if is(sub, "GROUPS") && a.len() == 3 {
        let list = streams.xinfo_groups(key)?;
        return Ok(Reply::Array(
            list.into_iter()
                .map(|g| {
                    pairs(
                        c,
                        vec![
                            ("name", g.name.into()),
                            ("consumers", uint(g.consumers)),
                            ("pending", uint(g.pending)),
                            ("last-delivered-id", id_reply(g.last_delivered_id)),
                            ("entries-read", g.entries_read.map_or(Reply::Nil, signed)),
                            ("lag", g.lag.map_or(Reply::Nil, Reply::Integer)),
                        ],
                    )
                })
                .collect(),
        ));
    }
    if !is(sub, "STREAM") {
        return Ok(subcommand_syntax_error(sub, "XINFO"));
    }
    xinfo_stream(c, a)
}

/// `XINFO STREAM key [FULL [COUNT n]]` (the key is known to hold a stream).
fn xinfo_stream(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    let (sub, key, streams) = (a[1], a[2], c.streams());
    let opts = &a[3..];
    let full = match opts.len() {
        0 => None,
        1 | 3 if is(opts[0], "FULL") => {
            let mut count: i64 = 10;
            if opts.len() == 3 {
                if !is(opts[1], "COUNT") {
                    return Ok(subcommand_syntax_error(sub, "XINFO"));
                }
                count = long(opts[2])?;
                if count < 0 {
                    count = 10;
                }
            }
            Some(usize::try_from(count).unwrap_or(usize::MAX))
        }
        _ => return Ok(subcommand_syntax_error(sub, "XINFO")),
    };
    let entry_or_nil = |e: Option<StreamEntry>| e.map_or(Reply::Nil, entry_reply);
    let Some(count) = full else {
        let s = streams.xinfo_stream(key)?;
        return Ok(pairs(
            c,
            vec![
                ("length", uint(s.length)),
                ("radix-tree-keys", uint(s.radix_tree_keys)),
                ("radix-tree-nodes", uint(s.radix_tree_nodes)),
                ("last-generated-id", id_reply(s.last_generated_id)),
                ("max-deleted-entry-id", id_reply(s.max_deleted_entry_id)),
                ("entries-added", signed(s.entries_added)),
                (
                    "recorded-first-entry-id",
                    id_reply(s.recorded_first_entry_id),
                ),
                ("groups", uint(s.groups)),
                ("first-entry", entry_or_nil(s.first_entry)),
                ("last-entry", entry_or_nil(s.last_entry)),
            ],
        ));
    };
    let s = streams.xinfo_stream_full(key, count)?;
    let groups = s
        .groups
        .into_iter()
        .map(|g| full_group_reply(c, g))
        .collect();
    Ok(pairs(
        c,
        vec![
            ("length", uint(s.length)),
            ("radix-tree-keys", uint(s.radix_tree_keys)),
            ("radix-tree-nodes", uint(s.radix_tree_nodes)),
            ("last-generated-id", id_reply(s.last_generated_id)),
            ("max-deleted-entry-id", id_reply(s.max_deleted_entry_id)),
            ("entries-added", signed(s.entries_added)),
            (
                "recorded-first-entry-id",
                id_reply(s.recorded_first_entry_id),
            ),
            (
                "entries",
                Reply::Array(s.entries.into_iter().map(entry_reply).collect()),
            ),
            ("groups", Reply::Array(groups)),
        ],
    ))
}

/// A group in `XINFO STREAM … FULL`.
fn full_group_reply(c: &Ctx<'_>, g: crate::streams::GroupInfoFull) -> Reply {
    let pending = g
        .pending
        .into_iter()
        .map(|(id, consumer, time, n)| {
            Reply::Array(vec![id_reply(id), consumer.into(), signed(time), signed(n)])
        })
        .collect();
    let consumers = g
        .consumers
        .into_iter()
        .map(|k| {
            let pending = k
                .pending
                .into_iter()
                .map(|(id, time, n)| Reply::Array(vec![id_reply(id), signed(time), signed(n)]))
                .collect();
            pairs(
                c,
                vec![
                    ("name", k.name.into()),
                    ("seen-time", signed(k.seen_time)),
                    ("pel-count", uint(k.pel_count)),
                    ("pending", Reply::Array(pending)),
                ],
            )
        })
        .collect();
    pairs(
        c,
        vec![
            ("name", g.name.into()),
            ("last-delivered-id", id_reply(g.last_delivered_id)),
            ("entries-read", g.entries_read.map_or(Reply::Nil, signed)),
            ("lag", g.lag.map_or(Reply::Nil, Reply::Integer)),
            ("pel-count", uint(g.pel_count)),
            ("pending", Reply::Array(pending)),
            ("consumers", Reply::Array(consumers)),
        ],
    )
}
