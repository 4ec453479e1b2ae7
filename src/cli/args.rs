//! `--arg name=value` and `--input name=file`: split, then read as the declared type.

use std::path::PathBuf;

use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::project::Input;
use crate::session::split_assignment;
use crate::source::FileKind;

/// `--input name=file` options; paths are relative to the current directory, and `-`
/// is standard input. `format` is `--input-format`.
pub fn parse_inputs(raw: &[String], format: Option<&str>) -> Result<Vec<Input>, Diagnostic> {
    let format = input_format(format)?;
    raw.iter()
        .map(|text| {
            let (name, path) = split_assignment(text, "input")?;
            if path.is_empty() {
                return Err(
                    Diagnostic::new(Code::InvalidArg, format!("`--input {text}` names no file")).with_help(format!(
                        "write `--input {name}=path/to/file.json`, or `--input {name}=-` for standard input"
                    )),
                );
            }
            Ok(Input {
                name: name.to_string(),
                path: PathBuf::from(path),
                format,
            })
        })
        .collect()
}

/// The data formats `--input-format` names.
const INPUT_FORMATS: &[(&str, FileKind)] = &[
    ("json", FileKind::Json),
    ("yaml", FileKind::Yaml),
    ("toml", FileKind::Toml),
    ("csv", FileKind::Csv),
];

/// `--input-format FORMAT`: the format of standard input and of input files whose
/// extension names none.
fn input_format(raw: Option<&str>) -> Result<Option<FileKind>, Diagnostic> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let wanted = raw.trim().to_ascii_lowercase();
    if let Some((_, kind)) = INPUT_FORMATS.iter().find(|(name, _)| *name == wanted) {
        return Ok(Some(*kind));
    }
    let names = INPUT_FORMATS.iter().map(|(name, _)| *name);
    let help = did_you_mean(&wanted, names.clone()).unwrap_or_else(|| {
        format!(
            "the formats are {}",
            names.map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
        )
    });
    Err(Diagnostic::new(Code::InvalidArg, format!("`--input-format {raw}` is not a data format")).with_help(help))
}

/// `--path-base DIR`, or the current directory: what paths in reports are relative to.
/// Canonical, as the paths of the project's files are, so that one is a prefix of the other.
pub fn path_base(dir: Option<&std::path::Path>) -> Result<crate::report::PathBase, Diagnostic> {
    let cwd = || {
        std::env::current_dir().and_then(|dir| dir.canonicalize()).map_err(|e| {
            Diagnostic::new(Code::UnreadableFile, format!("cannot read the current directory: {e}"))
                .with_help("paths in reports are relative to it: give `--path-base DIR` instead")
        })
    };
    let base = match dir {
        None => cwd()?,
        Some(dir) => dir.canonicalize().ok().filter(|base| base.is_dir()).ok_or_else(|| {
            Diagnostic::new(
                Code::UnreadableFile,
                format!("`--path-base {}` is not a directory", dir.display()),
            )
            .with_help("paths in reports are shown relative to it: give an existing directory, such as the checkout")
        })?,
    };
    Ok(crate::report::PathBase::Dir(base))
}
