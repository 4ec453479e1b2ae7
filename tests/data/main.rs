//! Registry data: loading, validation, positions and references, in every format.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers fail loudly, outside #[test] functions too"
)]
mod helpers;

mod csv;
mod json;
mod limits;
mod line_endings;
mod parts;
mod registry;
mod robust;
mod toml;
mod yaml;
