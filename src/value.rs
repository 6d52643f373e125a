//! The value model (Redis's `object.c`): what a key can hold, and the one type check per
//! type that turns a mismatch into [`Error::WrongType`].
//!
//! Values come in two physical forms, chosen by the keyspace and invisible elsewhere: a
//! short string is packed next to its key in one allocation, anything else is a
//! [`Value`] in a boxed node. Commands see a [`ValueRef`] when reading and a [`Value`]
//! when they need ownership.

pub(crate) mod dict;
pub(crate) mod hash;
pub(crate) mod hll;
pub(crate) mod list;
pub(crate) mod pack;
pub(crate) mod rax;
pub(crate) mod set;
pub(crate) mod slot_index;
pub(crate) mod stream;
pub(crate) mod zset;

use bytes::Bytes;

use crate::number::IntBuf;
use crate::{Blob, Error, Result};

pub(crate) use hash::HashValue;
pub(crate) use list::ListValue;
pub(crate) use set::SetValue;
pub(crate) use zset::SortedSet;

/// What a key holds, as Redis's `TYPE` names it.
///
/// # Examples
///
/// ```
/// use embedis::{KeyType, Store};
/// let store = Store::new();
/// store.strings().set("k", "v")?;
/// assert_eq!(store.keys().key_type("k")?, Some(KeyType::String));
/// assert_eq!(KeyType::String.as_str(), "string");
/// # Ok::<(), embedis::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyType {
    /// A string (also what the bit commands work on).
    String,
    /// A list.
    List,
    /// A set.
    Set,
    /// A sorted set.
    ZSet,
    /// A hash.
    Hash,
    /// A stream.
    Stream,
}

impl KeyType {
    /// The name Redis's `TYPE` replies with.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(embedis::KeyType::ZSet.as_str(), "zset");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::String => "string",
            KeyType::List => "list",
            KeyType::Set => "set",
            KeyType::ZSet => "zset",
            KeyType::Hash => "hash",
            KeyType::Stream => "stream",
        }
    }
}

/// An owned value, as stored in a boxed node.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    /// A string too long to pack beside its key. Shared, so reads copy nothing.
    Str(Bytes),
    /// A hash.
    Hash(HashValue),
    /// A set.
    Set(SetValue),
    /// A list.
    List(ListValue),
    /// A sorted set.
    ZSet(SortedSet),
    /// A stream.
    Stream(Box<stream::Stream>),
}

impl Value {
    /// Bytes the value allocates beyond its own size, in O(1) (see `mem.rs`).
    pub(crate) fn mem(&self) -> usize {
        match self {
            Value::Str(bytes) => bytes.len(),
            Value::Hash(h) => h.mem(),
            Value::Set(s) => s.mem(),
            Value::List(l) => l.mem(),
            Value::ZSet(z) => z.mem(),
            Value::Stream(s) => std::mem::size_of::<stream::Stream>() + s.mem(),
        }
    }

    pub(crate) fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Str(bytes) => ValueRef::Str(StrRef::Shared(bytes)),
            Value::Hash(h) => ValueRef::Hash(h),
            Value::Set(s) => ValueRef::Set(s),
            Value::List(l) => ValueRef::List(l),
            Value::ZSet(z) => ValueRef::ZSet(z),
            Value::Stream(s) => ValueRef::Stream(s),
        }
    }
}

/// A borrowed view of a value, valid while the key's shard is locked.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ValueRef<'a> {
    Str(StrRef<'a>),
    Hash(&'a HashValue),
    Set(&'a SetValue),
    List(&'a ListValue),
    ZSet(&'a SortedSet),
    Stream(&'a stream::Stream),
}

impl<'a> ValueRef<'a> {
    pub(crate) fn key_type(self) -> KeyType {
        match self {
            ValueRef::Str(_) => KeyType::String,
            ValueRef::Hash(_) => KeyType::Hash,
            ValueRef::Set(_) => KeyType::Set,
            ValueRef::List(_) => KeyType::List,
            ValueRef::ZSet(_) => KeyType::ZSet,
            ValueRef::Stream(_) => KeyType::Stream,
        }
    }

    /// The string, or [`Error::WrongType`].
    pub(crate) fn as_str(self) -> Result<StrRef<'a>> {
        match self {
            ValueRef::Str(s) => Ok(s),
            _ => Err(Error::WrongType),
        }
    }

    pub(crate) fn to_owned(self) -> Value {
        match self {
            ValueRef::Str(s) => Value::Str(s.to_bytes()),
            ValueRef::Hash(h) => Value::Hash(h.clone()),
            ValueRef::Set(s) => Value::Set(s.clone()),
            ValueRef::List(l) => Value::List(l.clone()),
            ValueRef::ZSet(z) => Value::ZSet(z.clone()),
            ValueRef::Stream(s) => Value::Stream(Box::new(s.clone())),
        }
    }
}

/// The largest entry block a read shares rather than copies its value from: a share keeps
/// the whole block (key, deadline and value) alive while the caller holds it, so a value
/// under a long key is copied instead.
const SHARE_LIMIT: usize = 192;

/// A borrowed string value: packed bytes, or a shared buffer.
#[derive(Debug, Clone, Copy)]
pub(crate) enum StrRef<'a> {
    Packed(crate::raw::Part<'a>),
    Shared(&'a Bytes),
}

impl<'a> StrRef<'a> {
    pub(crate) fn bytes(self) -> &'a [u8] {
        match self {
            StrRef::Packed(b) => b.bytes(),
            StrRef::Shared(b) => b,
        }
    }

    /// An owned copy for the caller: inline for short strings, else a share of the
    /// key's entry or of the boxed string's buffer.
    #[inline]
    pub(crate) fn to_blob(self) -> Blob {
        match self {
            StrRef::Packed(b)
                if b.len() > Blob::INLINE_CAPACITY && b.block_size() <= SHARE_LIMIT =>
            {
                Blob::from_share(b.share())
            }
            StrRef::Packed(b) => Blob::reply(&b),
            StrRef::Shared(b) => Blob::from(b.clone()),
        }
    }

    /// A copy for the caller (inline, or in a pooled buffer up to its size), never a
    /// share: for a value read just before the write that replaces it, which a share
    /// would keep from being rewritten in place.
    pub(crate) fn to_copy(self) -> Blob {
        Blob::reply(self.bytes())
    }

    pub(crate) fn to_bytes(self) -> Bytes {
        match self {
            StrRef::Packed(b) => Bytes::copy_from_slice(&b),
            StrRef::Shared(b) => b.clone(),
        }
    }
}

/// Type-checks an optional value as a string: `Ok(None)` when the key is missing.
pub(crate) fn opt_str(value: Option<ValueRef<'_>>) -> Result<Option<StrRef<'_>>> {
    value.map(ValueRef::as_str).transpose()
}

/// A collection type: what the keyspace's `EntryMut::update` and [`opt`] need to
/// type-check, create and drop it. A collection never stays empty: the
/// keyspace deletes a key whose collection an update emptied.
pub(crate) trait Collection: Sized {
    /// An empty collection, as a value.
    fn empty() -> Value;
    /// The collection, if `value` is one of this type.
    fn cast(value: ValueRef<'_>) -> Option<&Self>;
    /// The collection, if `value` is one of this type.
    fn cast_mut(value: &mut Value) -> Option<&mut Self>;
    fn is_empty(&self) -> bool;
}

/// Each collection type is the value variant of the same name; an empty one is its
/// `Default`.
macro_rules! collection {
    ($ty:ty, $variant:ident) => {
        impl Collection for $ty {
            fn empty() -> Value {
                Value::$variant(<$ty>::default())
            }

            fn cast(value: ValueRef<'_>) -> Option<&Self> {
                match value {
                    ValueRef::$variant(c) => Some(c),
                    _ => None,
                }
            }

            fn cast_mut(value: &mut Value) -> Option<&mut Self> {
                match value {
                    Value::$variant(c) => Some(c),
                    _ => None,
                }
            }

            fn is_empty(&self) -> bool {
                self.len() == 0
            }
        }
    };
}

collection!(HashValue, Hash);
collection!(SetValue, Set);
collection!(ListValue, List);
collection!(SortedSet, ZSet);

/// A stream stays when its last entry goes (Redis deletes no empty stream).
impl Collection for stream::Stream {
    fn empty() -> Value {
        Value::Stream(Box::default())
    }

    fn cast(value: ValueRef<'_>) -> Option<&Self> {
        match value {
            ValueRef::Stream(s) => Some(s),
            _ => None,
        }
    }

    fn cast_mut(value: &mut Value) -> Option<&mut Self> {
        match value {
            Value::Stream(s) => Some(s),
            _ => None,
        }
    }

    fn is_empty(&self) -> bool {
        false
    }
}

/// Type-checks an optional value as the collection `C`: `Ok(None)` when the key is
/// missing, [`Error::WrongType`] when it holds another type.
pub(crate) fn opt<C: Collection>(value: Option<ValueRef<'_>>) -> Result<Option<&C>> {
    match value {
        None => Ok(None),
        Some(v) => match C::cast(v) {
            Some(c) => Ok(Some(c)),
            None => Err(Error::WrongType),
        },
    }
}

/// An element of a collection where it is stored: bytes in a compact form, a stored
/// [`Blob`], or an integer of an intset.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Elem<'a> {
    Bytes(&'a [u8]),
    Blob(&'a Blob),
    Int(i64),
}

impl Elem<'_> {
    /// An owned copy for the caller: inline when short, in a pooled buffer up to 128
    /// bytes, a shared reference to a stored blob past that.
    pub(crate) fn to_blob(self) -> Blob {
        match self {
            Elem::Bytes(b) => Blob::reply(b),
            Elem::Blob(b) => b.to_reply(),
            Elem::Int(i) => Blob::copy_from_slice(IntBuf::new(i).as_bytes()),
        }
    }

    /// Calls `f` with the element's bytes (an integer formatted on the stack).
    pub(crate) fn with_bytes<R>(self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Elem::Bytes(b) => f(b),
            Elem::Blob(b) => f(b),
            Elem::Int(i) => f(IntBuf::new(i).as_bytes()),
        }
    }
}

#[cfg(test)]
mod size {
    /// A boxed entry holds a `Value`: the tables of large hashes and sets sit in it
    /// (saving a pointer chase per look-up), which must not swell every node further.
    #[test]
    fn a_value_stays_within_96_bytes() {
        assert!(std::mem::size_of::<super::Value>() <= 96);
        assert!(std::mem::size_of::<super::dict::Dict<crate::Blob>>() <= 88);
    }
}
