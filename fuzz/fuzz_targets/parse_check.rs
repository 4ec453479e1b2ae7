//! The parser and checker (and workflow compiler) on arbitrary `.cp` text: every input
//! ends in a program and diagnostics, never a panic; the diagnostics are rendered too.
#![no_main]

use cpl::check::{CheckOptions, check};
use cpl::source::{FileKind, SourceMap};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut sources = SourceMap::new();
    let file = sources.add("main.cp", None, FileKind::Cpl, text);
    let parsed = cpl::syntax::parse_file(file, text);
    let options = CheckOptions {
        now: jiff::Timestamp::UNIX_EPOCH,
        jobs: cpl::parallel::Jobs::ONE,
    };
    let checked = check(&[parsed.module], &sources, &options);
    let compiled = cpl::compile::compile(&checked.program);
    let mut diags = parsed.diagnostics;
    diags.extend(checked.diagnostics);
    diags.extend(compiled.diagnostics);
    common::render_all(&diags, &sources);
});
