//! Tests of the workflow runtime's I/O.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod runlog;
