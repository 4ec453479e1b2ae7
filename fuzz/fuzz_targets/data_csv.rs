//! The CSV loader on arbitrary text, against a fixed schema: it must report, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        common::load(text, cpl::source::FileKind::Csv, "agents/fuzz.csv");
    }
});
