//! The pest parser generated from `grammar/cpl.pest`. Its types stay inside `syntax`.

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/cpl.pest"]
pub(crate) struct CplParser;
