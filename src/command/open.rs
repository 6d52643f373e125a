//! Opening a store on its directory: the snapshot, or the append-only log replayed
//! through the command interpreter (hence here, above the store: a log holds commands).

use super::table;
use crate::{Error, Result, Store, StoreBuilder};

impl StoreBuilder {
    /// Builds the store and loads what [`dir`](Self::dir) holds: with
    /// [`appendonly`](Self::appendonly), the append-only log (Redis 7.0's multi-part
    /// format, written by this store or a real Redis), which it then appends to;
    /// otherwise the snapshot, if there is one — a file this store or a real Redis (RDB
    /// version 10 or older) wrote. Keys whose deadline has passed are left out, as Redis
    /// leaves them out at start.
    ///
    /// # Errors
    ///
    /// [`Error::Io`](crate::Error::Io) if a file cannot be read, or is not one this
    /// store can load (a damaged snapshot, one with a stream, module data or functions;
    /// a log with a malformed command, or torn anywhere but at the end of its last
    /// file): the message names the file and the byte offset.
    ///
    /// # Examples
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("embedis-doc-open-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let store = embedis::Store::builder().dir(&dir).open()?;
    /// store.hashes().hset("user:1", [("name", "ann")])?;
    /// store.save()?;
    /// drop(store);
    /// let again = embedis::Store::builder().dir(&dir).open()?;
    /// assert_eq!(again.hashes().hget("user:1", "name")?.unwrap(), "ann");
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open(self) -> Result<Store> {
        let conn = std::cell::RefCell::new(None);
        self.open_with(|store: &Store, args: &[Vec<u8>]| {
            let cmd = table::lookup(&args[0]).ok_or_else(|| {
                Error::Io(format!(
                    "unknown command '{}' in the log",
                    String::from_utf8_lossy(&args[0])
                ))
            })?;
            if cmd.has(table::BLOCKING) {
                return Err(Error::Io(format!(
                    "blocking command '{}' in the log",
                    cmd.name
                )));
            }
            // As Redis's loading client: a command's error reply is not a load error.
            conn.borrow_mut()
                .get_or_insert_with(|| store.connection())
                .execute(args);
            Ok(())
        })
    }
}
