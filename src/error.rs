//! The one error type of the crate.
//!
//! Every variant mirrors an error reply of Redis, and its `Display` text is exactly what
//! Redis sends (prefix included), so a message seen here can be searched for in Redis's
//! documentation and source. When a command returns an error, the store is unchanged.

/// Why a command was refused. When one is returned, the store is unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The store is over its memory limit and eviction could not make room (the policy
    /// is `noeviction`, or a `volatile-*` policy found no key with a TTL): a command
    /// that could grow memory is refused; reads and deletions still work. See
    /// [`StoreBuilder::max_memory`](crate::StoreBuilder::max_memory).
    #[error("OOM command not allowed when used memory > 'maxmemory'.")]
    OutOfMemory,
    /// `OBJECT FREQ` while no LFU policy keeps access frequencies.
    #[error(
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
    )]
    NoLfuPolicy,
    /// `OBJECT IDLETIME` while an LFU policy keeps frequencies instead of access times.
    #[error(
        "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
    )]
    LfuPolicy,
    /// An eviction policy name Redis does not know (`CONFIG SET maxmemory-policy`).
    #[error("ERR unknown eviction policy")]
    UnknownPolicy,
    /// `XADD` of the ID 0-0.
    #[error("ERR The ID specified in XADD must be greater than 0-0")]
    StreamIdZero,
    /// `XADD` of an ID not above the stream's last.
    #[error("ERR The ID specified in XADD is equal or smaller than the target stream top item")]
    StreamIdTooSmall,
    /// `XADD` to a stream whose last ID is the largest possible.
    #[error("ERR The stream has exhausted the last possible ID, unable to add more items")]
    StreamExhausted,
    /// `XADD` of fields and values past 1 GiB in all.
    #[error("ERR Elements are too large to be stored")]
    StreamElementsTooLarge,
    /// `XSETID` below the stream's last entry.
    #[error("ERR The ID specified in XSETID is smaller than the target stream top item")]
    SetIdBelowTop,
    /// `XSETID` below its own `MAXDELETEDID`.
    #[error("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id")]
    SetIdBelowMaxDeleted,
    /// `XSETID … ENTRIESADDED` below the stream's length.
    #[error("ERR The entries_added specified in XSETID is smaller than the target stream length")]
    EntriesAddedBelowLength,
    /// A stream command's argument refused, with Redis's text (`XADD … MAXLEN -1`,
    /// `XRANGE` with an empty exclusive interval, `XREAD` with unbalanced streams, …).
    #[error("ERR {0}")]
    StreamArgument(&'static str),
    /// A stream ID argument is not `ms-seq` or `ms` in range (`XADD`, `XRANGE`, …).
    #[error("ERR Invalid stream ID specified as stream command argument")]
    InvalidStreamId,
    /// A consumer group that does not exist on an existing stream (`XGROUP SETID`,
    /// `CREATECONSUMER`, `DELCONSUMER`, `XINFO CONSUMERS`): the group, then the key
    /// (boxed, so that every `Result` of the crate stays small).
    #[error("NOGROUP No such consumer group '{}' for key name '{}'", .0.0, .0.1)]
    NoSuchGroup(Box<(String, String)>),
    /// No stream at the key, or no such group on it (`XPENDING`, `XCLAIM`,
    /// `XAUTOCLAIM`): the key, then the group.
    #[error("NOGROUP No such key '{}' or consumer group '{}'", .0.0, .0.1)]
    NoSuchKeyOrGroup(Box<(String, String)>),
    /// No stream at the key, or no such group on it (`XREADGROUP`): the key, then the
    /// group.
    #[error(
        "NOGROUP No such key '{}' or consumer group '{}' in XREADGROUP with GROUP option",
        .0.0,
        .0.1
    )]
    NoSuchKeyOrGroupToRead(Box<(String, String)>),
    /// The group a blocked `XREADGROUP` waited on was destroyed.
    #[error("NOGROUP the consumer group this client was blocked on no longer exists")]
    GroupGone,
    /// The stream a blocked `XREADGROUP` waited on was deleted or replaced by another
    /// type.
    #[error("UNBLOCKED the stream key no longer exists")]
    StreamGone,
    /// `XGROUP CREATE` of a group that exists.
    #[error("BUSYGROUP Consumer Group name already exists")]
    BusyGroup,
    /// An `XGROUP` subcommand on a key that does not exist.
    #[error(
        "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."
    )]
    GroupNeedsStream,
    /// An `XCLAIM` option Redis does not know.
    #[error("ERR Unrecognized XCLAIM option '{0}'")]
    UnknownClaimOption(String),
    /// The key holds a value of another type (Redis `WRONGTYPE`).
    #[error("WRONGTYPE Operation against a key holding the wrong kind of value")]
    WrongType,
    /// The key holds a string that is not a valid HLL (`PFADD`, `PFCOUNT`, `PFMERGE`).
    #[error("WRONGTYPE Key is not a valid HyperLogLog string value.")]
    NotHll,
    /// The key holds an HLL whose sparse registers are damaged (`PFADD`, `PFCOUNT`,
    /// `PFMERGE`).
    #[error("INVALIDOBJ Corrupted HLL object detected")]
    CorruptHll,
    /// The stored string or an argument is not a base-10 `i64` (`INCR`, `DECRBY`, …).
    #[error("ERR value is not an integer or out of range")]
    NotInteger,
    /// The stored string or an argument is not a valid float (`INCRBYFLOAT`).
    #[error("ERR value is not a valid float")]
    NotFloat,
    /// An integer result would not fit in an `i64` (`INCR`, `INCRBY`, `DECRBY`).
    #[error("ERR increment or decrement would overflow")]
    Overflow,
    /// `DECRBY` by `i64::MIN`, whose negation does not exist.
    #[error("ERR decrement would overflow")]
    DecrementOverflow,
    /// A float result would be NaN or infinite (`INCRBYFLOAT`).
    #[error("ERR increment would produce NaN or Infinity")]
    NanOrInfinity,
    /// A bit offset is at or beyond 2^32 bits (`SETBIT`, `GETBIT`, `BITFIELD`).
    #[error("ERR bit offset is not an integer or out of range")]
    BitOffsetOutOfRange,
    /// A byte offset is out of range (`SETRANGE`).
    #[error("ERR offset is out of range")]
    OffsetOutOfRange,
    /// The result would exceed the store's maximum string size (`SETRANGE`, `APPEND`,
    /// `SETBIT`, `BITFIELD`); see [`StoreBuilder::max_string_size`](crate::StoreBuilder::max_string_size).
    #[error("ERR string exceeds maximum allowed size (proto-max-bulk-len)")]
    StringTooLong,
    /// An expiry is zero, negative, or overflows when added to the current time; the
    /// field names the command (`SET`, `GETEX`, `EXPIRE`, …).
    #[error("ERR invalid expire time in '{0}' command")]
    InvalidExpireTime(&'static str),
    /// A `BITFIELD` type outside `i1`…`i64` and `u1`…`u63`.
    #[error(
        "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
    )]
    InvalidBitfieldType,
    /// `BITFIELD_RO` given a subcommand other than `GET`.
    #[error("ERR BITFIELD_RO only supports the GET subcommand")]
    BitfieldReadOnly,
    /// `BITOP NOT` given other than exactly one source key.
    #[error("ERR BITOP NOT must be called with a single source key.")]
    BitopNotSingleKey,
    /// `LCS` given a key holding a non-string (Redis answers this rather than
    /// `WRONGTYPE`).
    #[error("ERR The specified keys must contain string values")]
    LcsNotString,
    /// The two strings of `LCS` are too long for its quadratic table.
    #[error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")]
    LcsTooLong,
    /// A database index outside `0..databases` (`SELECT`, `MOVE`, `COPY … DB`, `SWAPDB`).
    #[error("ERR DB index is out of range")]
    DbIndexOutOfRange,
    /// In [cluster mode](crate::StoreBuilder::cluster_mode), the keys of a multi-key
    /// command, transaction, pipeline or watch hash to more than one slot (see
    /// [`key_slot`](crate::key_slot)): use hash tags (`{user1}.a`, `{user1}.b`) to keep
    /// keys that go together in one slot.
    #[error("CROSSSLOT Keys in request don't hash to the same slot")]
    CrossSlot,
    /// In [cluster mode](crate::StoreBuilder::cluster_mode), something only database 0
    /// allows: a database other than 0 (`SELECT`, [`Store::db`](crate::Store::db)),
    /// `MOVE`, `SWAPDB`, `COPY … DB`. The text is Redis's, without its `ERR `.
    #[error("ERR {0}")]
    ClusterMode(&'static str),
    /// The source and the destination are the same key (`MOVE`, `COPY`).
    #[error("ERR source and destination objects are the same")]
    SameObject,
    /// A snapshot could not be written or read: what, where, and the system's reason or
    /// the byte offset of the damage.
    #[error("ERR {0}")]
    Io(String),
    /// A snapshot was asked for while a background one is being taken (`SAVE`,
    /// `BGSAVE`).
    #[error("ERR Background save already in progress")]
    BackgroundSaveInProgress,
    /// A rewrite of the append-only log was asked for while one is under way
    /// (`BGREWRITEAOF`).
    #[error("ERR Background append only file rewriting already in progress")]
    RewriteInProgress,
    /// A write refused because the append-only log could not be written or synced
    /// (the system's reason): writes are refused until the log can be written again.
    /// Under `appendfsync always`, the write that met the failure returns this too: it
    /// is applied in memory and its record kept, to be written once the disk allows,
    /// but it was not acknowledged as durable (do not simply retry a non-idempotent
    /// one).
    #[error("MISCONF Errors writing to the AOF file: {0}")]
    Misconf(String),
    /// A write refused because the last background save failed while `save` rules are
    /// set (Redis's `stop-writes-on-bgsave-error`), until a save succeeds.
    #[error(
        "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error."
    )]
    MisconfSnapshot,
    /// `RESTORE` without `REPLACE` onto a key that exists.
    #[error("BUSYKEY Target key name already exists.")]
    BusyKey,
    /// A `RESTORE` payload of a newer RDB version than Redis 7.0's, or whose checksum
    /// does not match its bytes.
    #[error("ERR DUMP payload version or checksum are wrong")]
    DumpPayload,
    /// A `RESTORE` payload whose value is malformed (or of a type the store does not
    /// hold: a stream, a module's).
    #[error("ERR Bad data format")]
    BadDataFormat,
    /// The key does not exist where the command requires it (`RENAME`).
    #[error("ERR no such key")]
    NoSuchKey,
    /// A command given too few arguments, such as `HSET` without a field or `SADD`
    /// without a member; the field names the command.
    #[error("ERR wrong number of arguments for '{0}' command")]
    WrongArity(&'static str),
    /// The hash field is not a base-10 `i64` (`HINCRBY`).
    #[error("ERR hash value is not an integer")]
    HashValueNotInteger,
    /// The hash field is not a valid float (`HINCRBYFLOAT`).
    #[error("ERR hash value is not a float")]
    HashValueNotFloat,
    /// An increment is infinite (`HINCRBYFLOAT`).
    #[error("ERR value is NaN or Infinity")]
    NotFinite,
    /// A count is outside what the command can serve (`HRANDFIELD … WITHVALUES`), or
    /// asks for more repeated random picks than one reply may hold (their elements'
    /// size past the [maximum string size](crate::StoreBuilder::max_string_size)).
    #[error("ERR value is out of range")]
    OutOfRange,
    /// An integer argument outside the range the command accepts.
    #[error("ERR value is out of range, value must between {min} and {max}")]
    ValueOutOfRange {
        /// The smallest value accepted.
        min: i64,
        /// The largest value accepted.
        max: i64,
    },
    /// A multi-key command given no key (`SINTERCARD`, …).
    #[error("ERR numkeys should be greater than 0")]
    NumKeysNotPositive,
    /// A list index beyond either end (`LSET`).
    #[error("ERR index out of range")]
    IndexOutOfRange,
    /// A count of 0 where at least one is needed (`LMPOP`, `BLMPOP`).
    #[error("ERR count should be greater than 0")]
    CountNotPositive,
    /// `LPOS` given a rank of 0.
    #[error(
        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
    )]
    RankZero,
    /// A blocking call was cancelled through its [`CancelToken`](crate::CancelToken)
    /// (Redis's `CLIENT UNBLOCK … ERROR`).
    #[error("UNBLOCKED client unblocked via CLIENT UNBLOCK")]
    Unblocked,
    /// Options that Redis rejects as a syntax error.
    #[error("ERR syntax error")]
    Syntax,
    /// A score that is, or an increment that would make one, NaN (`ZADD`, `ZINCRBY`).
    #[error("ERR resulting score is not a number (NaN)")]
    ScoreNaN,
    /// A `SORT` weight that is not a number (and not `ALPHA`).
    #[error("ERR One or more scores can't be converted into double")]
    SortNotDouble,
    /// A score range bound that is not a float (`ZRANGEBYSCORE`, `ZCOUNT`, …).
    #[error("ERR min or max is not a float")]
    MinMaxNotFloat,
    /// A lex range bound not of the form `[m`, `(m`, `-` or `+` (`ZRANGEBYLEX`, …).
    #[error("ERR min or max not valid string range item")]
    MinMaxNotString,
    /// A weight that is not a float (`ZUNION`, `ZINTER` and their `STORE` forms).
    #[error("ERR weight value is not a float")]
    WeightNotFloat,
    /// `LIMIT` given to a `ZRANGE` by rank.
    #[error(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
    )]
    LimitWithoutBy,
    /// `WITHSCORES` asked of a `ZRANGE … BYLEX`.
    #[error("ERR syntax error, WITHSCORES not supported in combination with BYLEX")]
    WithScoresByLex,
    /// A [`Subscription`](crate::Subscription) fell further behind than its buffer
    /// allows: its unread messages were dropped and it receives no more (as Redis closes
    /// a client over its `client-output-buffer-limit pubsub`).
    #[error("ERR subscription cut off: its unread messages exceeded the pubsub buffer limit")]
    SubscriberCutOff,
    /// A command in a transaction reached a key the transaction did not name, or a
    /// whole database; the command did nothing
    /// ([`Store::transaction`](crate::Store::transaction), [`Pipeline`](crate::Pipeline)).
    #[error("ERR a transaction touched a key it did not name")]
    KeyNotInTransaction,
    /// The store's own handles were used inside one of its transactions, whose locks
    /// they would wait for: use the [`Transaction`](crate::Transaction)'s handles.
    #[error(
        "ERR the store is locked by a transaction on this thread: use the transaction's handles"
    )]
    InsideTransaction,
    /// A closure given to a zero-copy read ([`Strings::get_with`](crate::Strings::get_with)
    /// and its kin) used the store: it runs under the read's lock, which the call would
    /// wait for.
    #[error("ERR the store is being read on this thread: a `_with` read's closure cannot use it")]
    InsideRead,
    /// A watched key changed before the optimistic transaction committed; nothing was
    /// applied ([`Watch::transaction`](crate::Watch::transaction); Redis's `EXEC` replies
    /// nil).
    #[error("ERR a watched key changed: the transaction was not applied")]
    WatchedKeyChanged,
    /// A script or function failed, or answered an error reply: Redis's text, code
    /// first (`ERR user_script:1: … script: <sha>, on @user_script:1.`, `NOSCRIPT …`,
    /// or what `redis.error_reply` gave). From [`Scripts`](crate::Scripts).
    #[error("{0}")]
    Script(Box<str>),
    /// A keyspace-events class string with a character Redis does not know
    /// ([`KeyspaceEvents::parse`](crate::KeyspaceEvents::parse)).
    #[error("ERR Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")]
    InvalidEventClass,
    /// A count that must not be negative (`SPOP`, `LPOP`, … with a count).
    #[error("ERR value is out of range, must be positive")]
    NotPositive,
    /// A blocking command's timeout that is not a float.
    #[error("ERR timeout is not a float or out of range")]
    TimeoutNotFloat,
    /// A blocking command's timeout below zero.
    #[error("ERR timeout is negative")]
    TimeoutNegative,
    /// A timeout in milliseconds that is not an integer (`WAIT`, `CLIENT PAUSE`).
    #[error("ERR timeout is not an integer or out of range")]
    TimeoutNotInteger,
    /// `AUTH` or `HELLO … AUTH` of a user the store does not have (it has only
    /// `default`, without a password, as a Redis without ACLs).
    #[error("WRONGPASS invalid username-password pair or user is disabled.")]
    WrongPass,
    /// `AUTH <password>` while the default user has no password.
    #[error(
        "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
    )]
    NoPasswordConfigured,
    /// A `numkeys` larger than the keys that follow it (`SINTERCARD`).
    #[error("ERR Number of keys can't be greater than number of args")]
    NumKeysTooMany,
    /// A `SETBIT` value other than 0 or 1.
    #[error("ERR bit is not an integer or out of range")]
    BitNotBinary,
    /// A `BITPOS` bit other than 0 or 1.
    #[error("ERR The bit argument must be 1 or 0.")]
    BitArgumentNotBinary,
    /// A `BITFIELD … OVERFLOW` mode other than `WRAP`, `SAT` or `FAIL`.
    #[error("ERR Invalid OVERFLOW type specified")]
    InvalidOverflowType,
    /// A negative `LIMIT` (`SINTERCARD`, `ZINTERCARD`).
    #[error("ERR LIMIT can't be negative")]
    LimitNegative,
    /// A negative `COUNT` (`LPOS`).
    #[error("ERR COUNT can't be negative")]
    CountNegative,
    /// A negative `MAXLEN` (`LPOS`).
    #[error("ERR MAXLEN can't be negative")]
    MaxLenNegative,
    /// A `SCAN`-family cursor that is not an unsigned integer.
    #[error("ERR invalid cursor")]
    InvalidCursor,
    /// A sorted-set algebra command given no input key (`ZUNION`, `ZINTERSTORE`, …).
    #[error("ERR at least 1 input key is needed for '{0}' command")]
    NoInputKeys(&'static str),
    /// A longitude outside -180..=180 or a latitude outside
    /// -85.05112878..=85.05112878 (`GEOADD`, `GEOSEARCH … FROMLONLAT`, `GEORADIUS`);
    /// the field is the pair as Redis prints it (`%f,%f`).
    #[error("ERR invalid longitude,latitude pair {0}")]
    InvalidLonLat(String),
    /// A search centred on a member the key does not hold (`GEOSEARCH … FROMMEMBER`,
    /// `GEORADIUSBYMEMBER`).
    #[error("ERR could not decode requested zset member")]
    UndecodableMember,
    /// A negative search radius (`GEOSEARCH … BYRADIUS`, `GEORADIUS`).
    #[error("ERR radius cannot be negative")]
    RadiusNegative,
    /// A negative box side (`GEOSEARCH … BYBOX`).
    #[error("ERR height or width cannot be negative")]
    BoxNegative,
    /// A search's `COUNT` of 0 or less (`GEOSEARCH`, `GEORADIUS`).
    #[error("ERR COUNT must be > 0")]
    GeoCountNotPositive,
}

/// `Result` with [`Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::Error;

    /// Every call returns a `Result<_, Error>`: a larger error makes every one of them
    /// larger to move (a variant of two `String`s made list pushes and pops 15% slower),
    /// so large payloads are boxed.
    #[test]
    fn the_error_stays_four_words() {
        assert!(std::mem::size_of::<Error>() <= 32);
        let e = Error::NoSuchGroup(Box::new(("g".into(), "k".into())));
        assert_eq!(
            e.to_string(),
            "NOGROUP No such consumer group 'g' for key name 'k'"
        );
    }
}
