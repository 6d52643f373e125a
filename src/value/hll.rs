//! HyperLogLog (Redis's `hyperloglog.c`): to be written.
