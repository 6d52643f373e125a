//! `CLUSTER`, `ASKING`, `READONLY`, `READWRITE` (`cluster.c`): in cluster mode, the
//! answers of a one-node Redis Cluster that owns every slot; otherwise those of a
//! Redis without cluster support.
//!
//! The node is `127.0.0.1:6379` (cluster bus port 16379), a master in epoch 0; its ID
//! is 40 hex digits derived from the store's seed, so it is fixed for a fixed seed.

use std::fmt::Write as _;

use super::parse::{int, is};
use super::{Ctx, Reply, error};
use crate::{Result, SLOTS, key_slot};

/// The node's address, as `CLUSTER SLOTS`, `SHARDS` and `NODES` show it.
const IP: &str = "127.0.0.1";
const PORT: i64 = 6379;
const BUS_PORT: i64 = 16379;

/// What every cluster command answers without cluster mode.
fn disabled() -> Reply {
    error("ERR This instance has cluster support disabled")
}

#[rustfmt::skip]
const HELP: &[&str] = &[
    "CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ADDSLOTS <slot> [<slot> ...]",
    "    Assign slots to current node.",
    "ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
    "    Assign slots which are between <start-slot> and <end-slot> to current node.",
    "BUMPEPOCH",
    "    Advance the cluster config epoch.",
    "COUNT-FAILURE-REPORTS <node-id>",
    "    Return number of failure reports for <node-id>.",
    "COUNTKEYSINSLOT <slot>",
    "    Return the number of keys in <slot>.",
    "DELSLOTS <slot> [<slot> ...]",
    "    Delete slots information from current node.",
    "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
    "    Delete slots information which are between <start-slot> and <end-slot> from current node.",
    "FAILOVER [FORCE|TAKEOVER]",
    "    Promote current replica node to being a master.",
    "FORGET <node-id>",
    "    Remove a node from the cluster.",
    "GETKEYSINSLOT <slot> <count>",
    "    Return key names stored by current node in a slot.",
    "FLUSHSLOTS",
    "    Delete current node own slots information.",
    "INFO",
    "    Return information about the cluster.",
    "KEYSLOT <key>",
    "    Return the hash slot for <key>.",
    "MEET <ip> <port> [<bus-port>]",
    "    Connect nodes into a working cluster.",
    "MYID",
    "    Return the node id.",
    "NODES",
    "    Return cluster configuration seen by node. Output format:",
    "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
    "REPLICATE <node-id>",
    "    Configure current node as replica to <node-id>.",
    "RESET [HARD|SOFT]",
    "    Reset current node (default: soft).",
    "SET-CONFIG-EPOCH <epoch>",
    "    Set config epoch of current node.",
    "SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
    "    Set slot state.",
    "REPLICAS <node-id>",
    "    Return <node-id> replicas.",
    "SAVECONFIG",
    "    Force saving cluster configuration on disk.",
    "SLOTS",
    "    Return information about slots range mappings. Each range is made of:",
    "    start, end, master and replicas IP addresses, ports and ids",
    "SHARDS",
    "    Return information about slot range mappings and the nodes associated with them.",
    "LINKS",
    "    Return information about all network links between this node and its peers.",
    "    Output format is an array where each array element is a map containing attributes of a link",
    "HELP",
    "    Prints this help.",
];

/// The node's ID: 40 hex digits drawn from the store's seed.
fn node_id(c: &Ctx<'_>) -> String {
    let mut x = c.access.keyspace().seed() ^ 0x6e6f_6465_2d69_6421;
    let mut id = String::with_capacity(48);
    for _ in 0..3 {
        // splitmix64
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        let _ = write!(id, "{:016x}", z ^ (z >> 31));
    }
    id.truncate(40);
    id
}

/// The slot argument of `COUNTKEYSINSLOT` and `GETKEYSINSLOT`, if in range.
fn slot(arg: &[u8]) -> Result<Option<u16>> {
    Ok(u16::try_from(int(arg)?).ok().filter(|s| *s < SLOTS))
}

pub(super) fn cluster(c: &Ctx<'_>, a: &[&[u8]]) -> Result<Reply> {
    if !c.store.cluster_mode() {
        return Ok(disabled());
    }
    let sub = a[1];
    let last = SLOTS - 1;
    Ok(if is(sub, "help") {
        super::keys::help(HELP)
    } else if is(sub, "keyslot") {
        Reply::Integer(key_slot(a[2]).into())
    } else if is(sub, "countkeysinslot") {
        match slot(a[2])? {
            Some(slot) => {
                Reply::Integer(i64::try_from(c.keys().countkeysinslot(slot)?).unwrap_or(i64::MAX))
            }
            None => error("ERR Invalid slot"),
        }
    } else if is(sub, "getkeysinslot") {
        let (slot, count) = (slot(a[2])?, int(a[3])?);
        match (slot, usize::try_from(count)) {
            (Some(slot), Ok(count)) => Reply::Array(
                c.keys()
                    .getkeysinslot(slot, count)?
                    .into_iter()
                    .map(Reply::from)
                    .collect(),
            ),
            _ => error("ERR Invalid slot or number of keys"),
        }
    } else if is(sub, "info") {
        Reply::Verbatim(
            "cluster_state:ok\r\n\
             cluster_slots_assigned:16384\r\n\
             cluster_slots_ok:16384\r\n\
             cluster_slots_pfail:0\r\n\
             cluster_slots_fail:0\r\n\
             cluster_known_nodes:1\r\n\
             cluster_size:1\r\n\
             cluster_current_epoch:0\r\n\
             cluster_my_epoch:0\r\n\
             cluster_stats_messages_sent:0\r\n\
             cluster_stats_messages_received:0\r\n\
             total_cluster_links_buffer_limit_exceeded:0\r\n"
                .into(),
        )
    } else if is(sub, "myid") {
        Reply::from(node_id(c).as_str())
    } else if is(sub, "slots") {
        // One range, served by this node: its IP, port, ID and (no) metadata.
        let node = Reply::Array(vec![
            Reply::from(IP),
            Reply::Integer(PORT),
            Reply::from(node_id(c).as_str()),
            Reply::Map(Vec::new()),
        ]);
        Reply::Array(vec![Reply::Array(vec![
            Reply::Integer(0),
            Reply::Integer(last.into()),
            node,
        ])])
    } else if is(sub, "shards") {
        let field = |name: &str, value: Reply| (Reply::from(name), value);
        let node = Reply::Map(vec![
            field("id", Reply::from(node_id(c).as_str())),
            field("port", Reply::Integer(PORT)),
            field("ip", Reply::from(IP)),
            field("endpoint", Reply::from(IP)),
            field("role", Reply::from("master")),
            field("replication-offset", Reply::Integer(0)),
            field("health", Reply::from("online")),
        ]);
        Reply::Array(vec![Reply::Map(vec![
            field(
                "slots",
                Reply::Array(vec![Reply::Integer(0), Reply::Integer(last.into())]),
            ),
            field("nodes", Reply::Array(vec![node])),
        ])])
    } else if is(sub, "nodes") {
        Reply::Verbatim(
            format!(
                "{} {IP}:{PORT}@{BUS_PORT} myself,master - 0 0 0 connected 0-{last}\n",
                node_id(c)
            )
            .into(),
        )
    } else {
        super::subcommand_syntax_error(sub, "CLUSTER")
    })
}

/// `ASKING`, `READONLY` and `READWRITE`: OK in cluster mode (one node serves every
/// slot, so they change nothing).
pub(super) fn ok_in_cluster(c: &Ctx<'_>, _: &[&[u8]]) -> Result<Reply> {
    Ok(if c.store.cluster_mode() {
        Reply::ok()
    } else {
        disabled()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_as_redis() {
        assert_eq!(HELP.len(), 56);
        assert!(HELP[0].starts_with("CLUSTER <subcommand>"));
        assert_eq!(HELP[HELP.len() - 1], "    Prints this help.");
    }
}
