//! Bit commands (Redis's tests/unit/bitops.tcl and bitfield.tcl).

mod common;

use common::get;
use embedis::{BitFieldOp::*, BitFieldType, BitOffset, BitOp, BitUnit, Error, Overflow, Store};

#[test]
fn setbit_grows_with_zero_bytes_and_returns_the_old_bit() {
    let store = Store::new();
    let b = store.bits();
    assert!(!b.setbit("k", 1, true).unwrap());
    assert!(b.getbit("k", 1).unwrap());
    assert!(!b.setbit("k", 23, true).unwrap());
    assert_eq!(store.strings().strlen("k").unwrap(), 3);
    assert!(b.setbit("k", 23, false).unwrap());
    assert_eq!(store.strings().get("k").unwrap().unwrap(), b"@\0\0");
    assert!(!b.getbit("k", 1000).unwrap());
}

#[test]
fn bit_offsets_past_the_limit_are_refused_and_create_nothing() {
    let store = Store::new();
    let b = store.bits();
    assert_eq!(
        b.setbit("k", 1 << 32, true),
        Err(Error::BitOffsetOutOfRange)
    );
    assert_eq!(b.getbit("k", u64::MAX), Err(Error::BitOffsetOutOfRange));
    assert_eq!(store.keys().exists(["k"]).unwrap(), 0);
    // The last valid offset is accepted (a read: nothing is allocated or created).
    assert!(!b.getbit("k", (1 << 32) - 1).unwrap());
    assert_eq!(store.keys().exists(["k"]).unwrap(), 0);
}

#[test]
fn bitcount_by_byte_and_by_bit() {
    let store = Store::new();
    store.strings().set("k", "foobar").unwrap();
    let b = store.bits();
    assert_eq!(b.bitcount("k").unwrap(), 26);
    assert_eq!(b.bitcount_range("k", 0, 0, BitUnit::Byte).unwrap(), 4);
    assert_eq!(b.bitcount_range("k", 1, 1, BitUnit::Byte).unwrap(), 6);
    assert_eq!(b.bitcount_range("k", -2, -1, BitUnit::Byte).unwrap(), 7);
    assert_eq!(b.bitcount_range("k", 5, 30, BitUnit::Bit).unwrap(), 17);
    assert_eq!(b.bitcount_range("k", -1, -5, BitUnit::Byte).unwrap(), 0);
    assert_eq!(b.bitcount("missing").unwrap(), 0);
}

#[test]
fn bitpos_finds_set_and_clear_bits_like_redis() {
    let store = Store::new();
    let b = store.bits();
    store.strings().set("k", b"\xff\xf0\x00").unwrap();
    assert_eq!(b.bitpos("k", false).unwrap(), Some(12));
    store.strings().set("k", b"\x00\xff\xf0").unwrap();
    assert_eq!(
        b.bitpos_range("k", true, 0, None, BitUnit::Byte).unwrap(),
        Some(8)
    );
    assert_eq!(
        b.bitpos_range("k", true, 2, None, BitUnit::Byte).unwrap(),
        Some(16)
    );
    assert_eq!(
        b.bitpos_range("k", true, 2, Some(-1), BitUnit::Byte)
            .unwrap(),
        Some(16)
    );
    assert_eq!(
        b.bitpos_range("k", true, 7, Some(15), BitUnit::Bit)
            .unwrap(),
        Some(8)
    );
    // All ones: a clear bit is "just past the end" unless an end was given.
    store.strings().set("ones", b"\xff\xff").unwrap();
    assert_eq!(b.bitpos("ones", false).unwrap(), Some(16));
    assert_eq!(
        b.bitpos_range("ones", false, 0, Some(-1), BitUnit::Byte)
            .unwrap(),
        None
    );
    assert_eq!(b.bitpos("missing", false).unwrap(), Some(0));
    assert_eq!(b.bitpos("missing", true).unwrap(), None);
    store.strings().set("empty", "").unwrap();
    assert_eq!(b.bitpos("empty", false).unwrap(), None);
}

#[test]
fn bitop_of_the_tutorial() {
    let store = Store::new();
    store
        .strings()
        .mset([("n1", "abc"), ("n2", "cde"), ("n3", "adc")])
        .unwrap();
    assert_eq!(
        store
            .bits()
            .bitop(BitOp::And, "now_key", ["n1", "n2", "n3"])
            .unwrap(),
        3
    );
    assert_eq!(get(&store, "now_key"), "a`a");
    assert_eq!(
        store.strings().mget(["n1", "n2", "n3"]).unwrap(),
        vec![Some("abc".into()), Some("cde".into()), Some("adc".into())]
    );
}

#[test]
fn bitop_pads_short_sources_and_deletes_empty_results() {
    let store = Store::new();
    let b = store.bits();
    store
        .strings()
        .mset([("a", b"\xff\x0f".as_slice()), ("b", b"\x0f".as_slice())])
        .unwrap();
    assert_eq!(b.bitop(BitOp::Or, "d", ["a", "b", "missing"]).unwrap(), 2);
    assert_eq!(store.strings().get("d").unwrap().unwrap(), b"\xff\x0f");
    assert_eq!(b.bitop(BitOp::And, "d", ["a", "b"]).unwrap(), 2);
    assert_eq!(store.strings().get("d").unwrap().unwrap(), b"\x0f\x00");
    assert_eq!(b.bitop(BitOp::Xor, "d", ["a", "b"]).unwrap(), 2);
    assert_eq!(store.strings().get("d").unwrap().unwrap(), b"\xf0\x0f");
    assert_eq!(b.bitop(BitOp::Not, "d", ["b"]).unwrap(), 1);
    assert_eq!(store.strings().get("d").unwrap().unwrap(), b"\xf0");
    assert_eq!(b.bitop(BitOp::Or, "d", ["missing"]).unwrap(), 0);
    assert_eq!(store.keys().exists(["d"]).unwrap(), 0);
    assert_eq!(
        b.bitop(BitOp::Not, "d", ["a", "b"]),
        Err(Error::BitopNotSingleKey)
    );
}

#[test]
fn bitfield_signed_unsigned_and_overflow() {
    let store = Store::new();
    let b = store.bits();
    let (i8t, u4, i64t) = (
        BitFieldType::signed(8),
        BitFieldType::unsigned(4),
        BitFieldType::signed(64),
    );
    let out = b
        .bitfield(
            "k",
            &[
                Set(i8t, BitOffset::Bit(0), -100),
                Get(i8t, BitOffset::Bit(0)),
                Get(BitFieldType::unsigned(8), BitOffset::Bit(0)),
            ],
        )
        .unwrap();
    assert_eq!(out, vec![Some(0), Some(-100), Some(156)]);
    let out = b
        .bitfield(
            "c",
            &[
                IncrBy(u4, BitOffset::Field(1), 15),
                IncrBy(u4, BitOffset::Field(1), 1),
                Overflow(Overflow::Fail),
                IncrBy(u4, BitOffset::Field(1), 16),
            ],
        )
        .unwrap();
    assert_eq!(out, vec![Some(15), Some(0), None]);
    let out = b
        .bitfield(
            "w",
            &[
                IncrBy(i64t, BitOffset::Bit(0), i64::MAX),
                IncrBy(i64t, BitOffset::Bit(0), 1),
            ],
        )
        .unwrap();
    assert_eq!(out, vec![Some(i64::MAX), Some(i64::MIN)]);
}

#[test]
fn bitfield_validates_everything_before_running() {
    let store = Store::new();
    let b = store.bits();
    let set = |bits| Set(BitFieldType::signed(bits), BitOffset::Bit(0), 1);
    assert_eq!(
        b.bitfield("k", &[set(8), set(65)]),
        Err(Error::InvalidBitfieldType)
    );
    assert_eq!(
        b.bitfield(
            "k",
            &[Set(BitFieldType::unsigned(64), BitOffset::Bit(0), 1)]
        ),
        Err(Error::InvalidBitfieldType)
    );
    assert_eq!(b.bitfield("k", &[set(0)]), Err(Error::InvalidBitfieldType));
    assert_eq!(
        b.bitfield(
            "k",
            &[
                set(8),
                Set(BitFieldType::signed(8), BitOffset::Bit(1 << 32), 1)
            ]
        ),
        Err(Error::BitOffsetOutOfRange)
    );
    assert_eq!(
        b.bitfield(
            "k",
            &[Get(BitFieldType::signed(8), BitOffset::Field(u64::MAX))]
        ),
        Err(Error::BitOffsetOutOfRange)
    );
    assert_eq!(store.keys().exists(["k"]).unwrap(), 0, "nothing ran");
}

#[test]
fn bitfield_reads_create_nothing_and_ro_refuses_writes() {
    let store = Store::new();
    let b = store.bits();
    let get = Get(BitFieldType::unsigned(8), BitOffset::Bit(100));
    assert_eq!(b.bitfield("k", &[get]).unwrap(), vec![Some(0)]);
    assert_eq!(b.bitfield_ro("k", &[get]).unwrap(), vec![Some(0)]);
    assert_eq!(store.keys().exists(["k"]).unwrap(), 0);
    let set = Set(BitFieldType::unsigned(8), BitOffset::Bit(0), 1);
    assert_eq!(b.bitfield_ro("k", &[set]), Err(Error::BitfieldReadOnly));
    // A failed write still grows the string, as in Redis.
    let fail = [
        Overflow(Overflow::Fail),
        IncrBy(BitFieldType::unsigned(2), BitOffset::Bit(100), 5),
    ];
    assert_eq!(b.bitfield("k", &fail).unwrap(), vec![None]);
    assert_eq!(store.strings().strlen("k").unwrap(), 13);
}
