//! What can be wrong with a data value, as position-free [`Problem`]s; each loader attaches
//! the primary position (a span, or a JSON path resolved later) and makes a diagnostic.
//!
//! All wording of data diagnostics lives here, in one voice.

use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::ir::Program;
use crate::ir::Value;
use crate::ir::{EntityId, FieldType, RecordType, Type};
use crate::source::Span;

/// A problem found in a data value, before it has a place.
#[derive(Debug)]
pub(crate) struct Problem {
    pub code: Code,
    pub message: String,
    /// The primary label, at the offending value or key.
    pub label: String,
    pub help: Option<String>,
    /// The schema field the value is for: the secondary label.
    pub field: Option<(Span, String)>,
}

/// What a data value turned out to be, for "expected `int`, found a string".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Found {
    Null,
    Bool,
    Int,
    Float,
    Str,
    List,
    Object,
    Datetime,
}

impl Found {
    pub fn describe(self) -> &'static str {
        match self {
            Found::Null => "null",
            Found::Bool => "a boolean",
            Found::Int => "an integer",
            Found::Float => "a float",
            Found::Str => "a string",
            Found::List => "a list",
            Found::Object => "an object",
            Found::Datetime => "a datetime",
        }
    }
}

impl Problem {
    pub fn new(code: Code, message: impl Into<String>, label: impl Into<String>) -> Problem {
        Problem {
            code,
            message: message.into(),
            label: label.into(),
            help: None,
            field: None,
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Problem {
        self.help = Some(help.into());
        self
    }

    /// Names the schema field as the secondary label.
    pub fn field(mut self, field: Option<&FieldType>) -> Problem {
        if let Some(field) = field
            && self.field.is_none()
        {
            self.field = Some((field.span, format!("`{}` is declared here", field.name)));
        }
        self
    }

    /// The diagnostic, with its primary label at `at`.
    pub fn at(self, at: Span) -> Diagnostic {
        let mut diagnostic = Diagnostic::new(self.code, self.message).at(at, self.label);
        if let Some((span, label)) = self.field {
            diagnostic = diagnostic.with_label(span, label);
        }
        diagnostic.with_help_opt(self.help)
    }
}

pub(crate) fn wrong_type(program: &Program, expected: &Type, found: Found) -> Problem {
    let expected_text = program.display_type(expected);
    let mut problem = Problem::new(
        Code::WrongDataType,
        format!("expected `{expected_text}`, found {}", found.describe()),
        format!("this is {}", found.describe()),
    );
    let target = expected.strip_optional();
    let quoted = matches!(
        target,
        Type::String | Type::Secret | Type::Version | Type::Timestamp | Type::Duration | Type::Enum(_) | Type::Ref(_)
    );
    if quoted && matches!(found, Found::Int | Found::Float | Found::Bool) {
        let example = match target {
            Type::Version => "write it as a quoted string, such as `\"1.0.0\"`",
            Type::Duration => "write it as a quoted string with a unit, such as `\"30s\"`",
            Type::Timestamp => "write it as a quoted RFC 3339 string, such as `\"2027-03-31T12:00:00Z\"`",
            _ => "write it in quotes to make it a string",
        };
        problem = problem.help(example);
    } else if found == Found::Null && !expected.is_optional() {
        problem = problem.help(format!(
            "give a `{expected_text}`, or declare the field optional (`{expected_text}?`)"
        ));
    }
    problem
}

/// A type named briefly: record types, which can be long, as "a record".
fn brief(program: &Program, ty: &Type) -> String {
    match ty {
        Type::Record(_) => "a record".to_string(),
        Type::Optional(inner) if matches!(**inner, Type::Record(_)) => "an optional record".to_string(),
        other => format!("a `{}`", program.display_type(other)),
    }
}

pub(crate) fn missing_field(program: &Program, field: &FieldType, record_name: Option<&str>) -> Problem {
    let ty = brief(program, &field.ty);
    let what = record_name.map_or_else(|| "this record".to_string(), |n| format!("this `{n}`"));
    Problem::new(
        Code::MissingField,
        format!("missing field `{}`", field.name),
        format!("{what} has no `{}`", field.name),
    )
    .help(format!("add `{}` ({ty})", field.name))
    .field(Some(field))
}

pub(crate) fn missing_cell(field: &FieldType, column: &str) -> Problem {
    Problem::new(
        Code::MissingField,
        format!("missing value for `{column}`"),
        "this cell is empty",
    )
    .help(format!(
        "`{}` is required and has no default; fill the cell (quote it, `\"\"`, for an empty string)",
        field.name
    ))
    .field(Some(field))
}

pub(crate) fn missing_column(field: &FieldType, column: &str) -> Problem {
    Problem::new(
        Code::MissingField,
        format!("missing column `{column}`"),
        format!("the header has no `{column}`"),
    )
    .help(format!(
        "add the column `{column}`; `{}` is required and has no default",
        field.name
    ))
    .field(Some(field))
}

/// An unknown key in a record of type `record`: an entity of kind `kind`, or the value
/// of the field `holder`. The secondary label shows where its fields are declared.
pub(crate) fn unknown_field(
    program: &Program,
    name: &str,
    record: &RecordType,
    kind: Option<EntityId>,
    holder: Option<&FieldType>,
) -> Problem {
    let entity = kind.and_then(|k| program.entities.get(k.index()));
    let what = match (entity, holder) {
        (Some(entity), _) => format!("`{}`", entity.name),
        (None, Some(holder)) => format!("`{}`", holder.name),
        (None, None) => "this record".to_string(),
    };
    let fields = record.fields.iter().map(|f| &*f.name);
    let help = did_you_mean(name, fields.clone()).unwrap_or_else(|| {
        let names: Vec<String> = fields.map(|f| format!("`{f}`")).collect();
        if names.is_empty() {
            format!("{what} has no fields")
        } else {
            format!("the fields of {what} are {}", names.join(", "))
        }
    });
    let mut problem = Problem::new(
        Code::UnknownDataField,
        format!("unknown field `{name}`"),
        format!("not a field of {what}"),
    )
    .help(help);
    problem.field = match (entity, holder) {
        (Some(entity), _) => Some((entity.span, format!("`{}` is declared here", entity.name))),
        (None, Some(holder)) => Some((
            holder.span,
            format!("the fields of `{}` are declared here", holder.name),
        )),
        (None, None) => None,
    };
    problem
}

pub(crate) fn duplicate_in_document(key: &str) -> Problem {
    Problem::new(Code::DuplicateKey, format!("duplicate key `{key}`"), "given again here")
        .help("a key may appear once in an object; remove one of them")
}

pub(crate) const FIRST_GIVEN: &str = "first given here";

pub(crate) fn not_in_enum(text: &str, members: &[std::sync::Arc<str>]) -> Problem {
    let listed: Vec<String> = members.iter().map(|m| format!("`{m}`")).collect();
    let help = did_you_mean(text, members.iter().map(|m| &**m))
        .unwrap_or_else(|| format!("the allowed values are {}", listed.join(", ")));
    Problem::new(
        Code::NotInEnum,
        format!("`{text}` is not an allowed value"),
        format!("expected one of {}", listed.join(", ")),
    )
    .help(help)
}

pub(crate) fn invalid_version(text: &str, reason: &semver::Error) -> Problem {
    Problem::new(
        Code::InvalidDataVersion,
        format!("invalid version `{text}`"),
        format!("not a semantic version: {reason}"),
    )
    .help("write versions as MAJOR.MINOR.PATCH, such as `1.2.0`")
}

pub(crate) fn invalid_requirement(text: &str, reason: &semver::Error) -> Problem {
    Problem::new(
        Code::InvalidDataVersion,
        format!("invalid version requirement `{text}`"),
        format!("not a version requirement: {reason}"),
    )
    .help("write a requirement after `@`, such as `tool-name@^1.2`")
}

pub(crate) fn invalid_text(expected: &str, text: &str, reason: &str) -> Problem {
    Problem::new(
        Code::WrongDataType,
        format!("`{text}` is not a valid {expected}"),
        reason.to_string(),
    )
}

pub(crate) fn out_of_range(text: &str) -> Problem {
    Problem::new(
        Code::WrongDataType,
        format!("integer `{text}` is out of range"),
        "does not fit in a 64-bit integer",
    )
}

/// A number too large for a float (it would be infinity), as written.
/// A float cpl cannot hold: too large for 64 bits, or not a number at all (TOML's `nan`
/// and `inf`). cpl's numbers are finite, as JSON's are, and as YAML and CSV data are held
/// to.
pub(crate) fn float_out_of_range(text: &str) -> Problem {
    let lower = text.to_ascii_lowercase();
    if lower.contains("nan") || lower.contains("inf") {
        return Problem::new(
            Code::WrongDataType,
            format!("`{text}` is not a finite number"),
            "cpl's numbers are finite",
        )
        .help("write a finite number; for \"no value\", make the field optional and leave it out");
    }
    Problem::new(
        Code::WrongDataType,
        format!("number `{text}` is out of range"),
        "too large for a 64-bit float",
    )
    .help("write a smaller number")
}

pub(crate) fn constraint_failed(field: &FieldType, text: &str, value: &Value) -> Problem {
    Problem::new(
        Code::ConstraintFailed,
        format!("`{}` does not satisfy `{text}`", field.name),
        format!("the value is `{value}`"),
    )
    .field(Some(field))
}

pub(crate) fn constraint_error(field: &FieldType, text: &str, error: &str) -> Problem {
    Problem::new(
        Code::ConstraintFailed,
        format!("`{}`: constraint `{text}` could not be checked", field.name),
        error.to_string(),
    )
    .field(Some(field))
}

pub(crate) fn cell_cannot_hold(program: &Program, ty: &Type) -> Problem {
    let what = match ty.strip_optional() {
        Type::Record(_) | Type::Entity(_) => "a record".to_string(),
        Type::Map(_) => "a map".to_string(),
        Type::List(_) => "a list of records".to_string(),
        other => format!("a `{}`", program.display_type(other)),
    };
    Problem::new(
        Code::UnsupportedFormat,
        format!("a CSV cell cannot hold {what}"),
        "this column",
    )
    .help("use dotted columns for nested fields (`metadata.owner`), or a JSON, YAML or TOML file")
}
