//! The one line `cpl check` prints when a project checks cleanly: every kind of item the
//! project declares, counted, and the kinds it has none of left out.

use crate::project::{DataSet, Project};
use crate::syntax::ast::ItemKind;

/// `ok: 4 files, 2 entities, 3 sources, 8 policies, 3 gates, 22 registry records`: every
/// kind of item the project declares, counted, and the kinds it has none of left out.
pub(super) fn line(project: &Project, data: &DataSet) -> String {
    let mut kinds = [(0, "", ""); ITEM_KINDS];
    for item in project.modules.iter().flat_map(|m| &m.items) {
        let (rank, one, many) = item_nouns(&item.kind);
        if let Some(kind) = kinds.get_mut(rank) {
            *kind = (kind.0 + 1, one, many);
        }
    }
    let mut parts = vec![counted(project.modules.len(), "file", "files")];
    parts.extend(
        kinds
            .iter()
            .filter(|(n, _, _)| *n > 0)
            .map(|&(n, one, many)| counted(n, one, many)),
    );
    if data.record_count > 0 {
        parts.push(counted(data.record_count, "registry record", "registry records"));
    }
    format!("ok: {}", parts.join(", "))
}

/// How many kinds of item the language has.
const ITEM_KINDS: usize = 16;

/// Where a kind of item stands in the summary, and its names in words. The match is
/// exhaustive so that a new kind of item cannot be left out of the count.
fn item_nouns(kind: &ItemKind) -> (usize, &'static str, &'static str) {
    match kind {
        ItemKind::Entity(_) => (0, "entity", "entities"),
        ItemKind::Type(_) => (1, "type", "types"),
        ItemKind::Source(_) => (2, "source", "sources"),
        ItemKind::Const(_) => (3, "constant", "constants"),
        ItemKind::Fn(_) => (4, "function", "functions"),
        ItemKind::Policy(_) => (5, "policy", "policies"),
        ItemKind::Gate(_) => (6, "gate", "gates"),
        ItemKind::Waiver(_) => (7, "waiver", "waivers"),
        ItemKind::Connector(_) => (8, "connector", "connectors"),
        ItemKind::Workflow(_) => (9, "workflow", "workflows"),
        ItemKind::Slo(_) => (10, "objective", "objectives"),
        ItemKind::Context(_) => (11, "context", "contexts"),
        ItemKind::Flag(_) => (12, "flag", "flags"),
        ItemKind::Environments(_) => (13, "environment list", "environment lists"),
        ItemKind::Config(_) => (14, "config", "configs"),
        ItemKind::Test(_) => (15, "test", "tests"),
    }
}

fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
