//! HyperLogLog commands (Redis's `hyperloglog.c`): to be written.

use crate::keyspace::Access;

/// Commands on HyperLogLog values, in one database. From
/// [`Store::hyperloglogs`](crate::Store::hyperloglogs).
#[derive(Clone, Copy, Debug)]
pub struct HyperLogLogs<'s> {
    ks: Access<'s>,
    db: usize,
}

impl<'s> HyperLogLogs<'s> {
    pub(crate) fn new(ks: Access<'s>, db: usize) -> Self {
        HyperLogLogs { ks, db }
    }
}
