//! Checking: name resolution and type checking of the AST into the typed IR.
mod types;

pub use types::{Constraint, EntityId, EnumType, FieldType, RecordType, Type};
