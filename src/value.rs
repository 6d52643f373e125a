//! The value model (Redis's `object.c`): what a key can hold, and the one type check per
//! type that turns a mismatch into [`Error::WrongType`].
//!
//! Values come in two physical forms, chosen by the keyspace and invisible elsewhere: a
//! short string is packed next to its key in one allocation, anything else is a
//! [`Value`] in a boxed node. Commands see a [`ValueRef`] when reading and a [`Value`]
//! when they need ownership.

use bytes::Bytes;

use crate::{Blob, Result};

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
        }
    }
}

/// An owned value, as stored in a boxed node.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    /// A string too long to pack beside its key. Shared, so reads copy nothing.
    Str(Bytes),
}

impl Value {
    pub(crate) fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Str(bytes) => ValueRef::Str(StrRef::Shared(bytes)),
        }
    }
}

/// A borrowed view of a value, valid while the key's shard is locked.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ValueRef<'a> {
    Str(StrRef<'a>),
}

impl<'a> ValueRef<'a> {
    pub(crate) fn key_type(self) -> KeyType {
        match self {
            ValueRef::Str(_) => KeyType::String,
        }
    }

    /// The string, or [`Error::WrongType`].
    pub(crate) fn as_str(self) -> Result<StrRef<'a>> {
        match self {
            ValueRef::Str(s) => Ok(s),
        }
    }

    pub(crate) fn to_owned(self) -> Value {
        match self {
            ValueRef::Str(s) => Value::Str(s.to_bytes()),
        }
    }
}

/// A borrowed string value: packed bytes, or a shared buffer.
#[derive(Debug, Clone, Copy)]
pub(crate) enum StrRef<'a> {
    Packed(&'a [u8]),
    Shared(&'a Bytes),
}

impl<'a> StrRef<'a> {
    pub(crate) fn bytes(self) -> &'a [u8] {
        match self {
            StrRef::Packed(b) => b,
            StrRef::Shared(b) => b,
        }
    }

    /// An owned copy for the caller: inline for short strings, a shared reference for
    /// long ones.
    pub(crate) fn to_blob(self) -> Blob {
        match self {
            StrRef::Packed(b) => Blob::copy_from_slice(b),
            StrRef::Shared(b) => Blob::from(b.clone()),
        }
    }

    pub(crate) fn to_bytes(self) -> Bytes {
        match self {
            StrRef::Packed(b) => Bytes::copy_from_slice(b),
            StrRef::Shared(b) => b.clone(),
        }
    }
}

/// Type-checks an optional value as a string: `Ok(None)` when the key is missing.
pub(crate) fn opt_str(value: Option<ValueRef<'_>>) -> Result<Option<StrRef<'_>>> {
    value.map(ValueRef::as_str).transpose()
}
