//! Geohash (Redis's `geohash.c`, `geohash_helper.c`): to be written.
