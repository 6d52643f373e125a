//! geospatial commands (Redis's `geo.c`): to be written.

use crate::keyspace::Access;

/// Commands on geospatial values, in one database. From
/// [`Store::geo`](crate::Store::geo).
#[derive(Clone, Copy, Debug)]
pub struct Geo<'s> {
    ks: Access<'s>,
    db: usize,
}

impl<'s> Geo<'s> {
    pub(crate) fn new(ks: Access<'s>, db: usize) -> Self {
        Geo { ks, db }
    }
}
