//! Reading files safely: a size limit, binary files and bad UTF-8 become diagnostics
//! that say where the problem is, never a panic or a garbled parse.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::diagnostics::{Code, Diagnostic};

/// The largest `.cp` file read.
pub const MAX_SOURCE_BYTES: u64 = 16 * 1024 * 1024;
/// The largest data file read.
pub const MAX_DATA_BYTES: u64 = 256 * 1024 * 1024;

/// Why a file could not become text. The caller attaches the file to the diagnostic.
#[derive(Debug)]
pub struct ReadError {
    pub diagnostic: Diagnostic,
}

/// Reads a file as UTF-8 text.
pub fn read_text(path: &Path, shown: &str, limit: u64) -> Result<String, ReadError> {
    let fail = |code: Code, message: String, help: &str| ReadError {
        diagnostic: Diagnostic::new(code, message).with_help(help.to_string()),
    };
    let metadata = std::fs::metadata(path).map_err(|e| {
        fail(
            Code::UnreadableFile,
            format!("cannot read `{shown}`: {}", io_reason(&e)),
            "check the path and its permissions",
        )
    })?;
    if metadata.is_dir() {
        return Err(fail(
            Code::UnreadableFile,
            format!("`{shown}` is a directory"),
            "give a file",
        ));
    }
    if metadata.len() > limit {
        return Err(fail(
            Code::FileTooLarge,
            format!(
                "`{shown}` is {} MiB, more than the {} MiB limit",
                metadata.len() / (1024 * 1024),
                limit / (1024 * 1024)
            ),
            "split the file, or check that this is the file you meant",
        ));
    }
    let file = std::fs::File::open(path).map_err(|e| {
        fail(
            Code::UnreadableFile,
            format!("cannot read `{shown}`: {}", io_reason(&e)),
            "check the path and its permissions",
        )
    })?;
    read_stream(file, shown, limit)
}

/// Reads a stream (standard input, a pipe, a file) as UTF-8 text. At most `limit + 1`
/// bytes are read: a pipe or a growing file has no size to check beforehand, so going
/// past the limit is what shows it is too large.
pub fn read_stream(stream: impl Read, shown: &str, limit: u64) -> Result<String, ReadError> {
    let mut bytes = Vec::new();
    stream
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError {
            diagnostic: Diagnostic::new(
                Code::UnreadableFile,
                format!("cannot read `{shown}`: {}", io_reason(&e)),
            )
            .with_help("check the path and its permissions"),
        })?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
        return Err(ReadError {
            diagnostic: Diagnostic::new(
                Code::FileTooLarge,
                format!("`{shown}` is more than the {} MiB limit", limit / (1024 * 1024)),
            )
            .with_help("split the data, or check that this is what you meant to pass"),
        });
    }
    decode(bytes, shown).map_err(|diagnostic| ReadError { diagnostic })
}

/// Bytes to text: binary content and invalid UTF-8 are reported with their position.
pub fn decode(bytes: Vec<u8>, shown: &str) -> Result<String, Diagnostic> {
    if let Some(order) = utf16_byte_order(&bytes) {
        return Err(
            Diagnostic::new(Code::NotUtf8, format!("`{shown}` is UTF-16 ({order}) text, not UTF-8"))
                .with_note("it begins with a UTF-16 byte order mark")
                .with_help("save the file as UTF-8 (PowerShell: `Out-File -Encoding utf8`)"),
        );
    }
    let head = bytes.get(..bytes.len().min(8192)).unwrap_or(&[]);
    if let Some(at) = head.iter().position(|&b| b == 0) {
        return Err(
            Diagnostic::new(Code::BinaryFile, format!("`{shown}` looks like a binary file"))
                .with_note(format!("it has a NUL byte at offset {at}"))
                .with_help("cpl reads text files: `.cp` sources and YAML, JSON, CSV or TOML data"),
        );
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let valid = e.as_bytes().get(..at).unwrap_or(&[]);
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = valid.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
        Diagnostic::new(Code::NotUtf8, format!("`{shown}` is not valid UTF-8"))
            .with_note(format!(
                "the first invalid byte is at line {line}, column {column} (byte offset {at})"
            ))
            .with_help("save the file as UTF-8")
    })
}

/// The byte order named by a UTF-16 byte order mark at the start, if there is one.
/// Such text is full of NUL bytes, and would otherwise be taken for a binary file.
fn utf16_byte_order(bytes: &[u8]) -> Option<&'static str> {
    match bytes.get(..2) {
        Some([0xFF, 0xFE]) => Some("little-endian"),
        Some([0xFE, 0xFF]) => Some("big-endian"),
        _ => None,
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

/// Every `.cp` file under `dir`, skipping hidden directories and `target/`, sorted so
/// every run sees the same order.
pub fn find_cp_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            if kind.is_dir() {
                if !name.starts_with('.') && name != "target" && name != "node_modules" {
                    pending.push(path);
                }
            } else if kind.is_file() && name.ends_with(".cp") && !name.starts_with('.') {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// `path` relative to `root`, with forward slashes, for display and SARIF.
pub fn display_path(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let text = relative.to_string_lossy().replace('\\', "/");
    if text.is_empty() { ".".to_string() } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_and_bad_utf8_are_reported_with_positions() {
        let err = decode(b"abc\0def".to_vec(), "x.cp").unwrap_err();
        assert_eq!(err.code, Code::BinaryFile);
        let err = decode(b"ok\nab\xffcd".to_vec(), "x.cp").unwrap_err();
        assert_eq!(err.code, Code::NotUtf8);
        assert!(err.notes[0].contains("line 2, column 3"), "{:?}", err.notes);
    }

    #[test]
    fn utf16_is_named_as_such_not_taken_for_binary() {
        let err = decode(b"\xff\xfe{\0}\0".to_vec(), "plan.json").unwrap_err();
        assert_eq!(err.code, Code::NotUtf8);
        assert!(err.message.contains("UTF-16 (little-endian)"), "{}", err.message);
        let err = decode(b"\xfe\xff\0{\0}".to_vec(), "plan.json").unwrap_err();
        assert!(err.message.contains("UTF-16 (big-endian)"), "{}", err.message);
    }

    #[test]
    fn a_stream_is_read_up_to_its_limit_and_no_further() {
        let text = read_stream(&b"0123456789"[..], "<stdin>", 10).unwrap();
        assert_eq!(text, "0123456789");
        let err = read_stream(&b"0123456789a"[..], "<stdin>", 10).unwrap_err();
        assert_eq!(err.diagnostic.code, Code::FileTooLarge);
        // An endless stream stops at the limit rather than filling memory.
        let err = read_stream(std::io::repeat(b' '), "<stdin>", 10).unwrap_err();
        assert_eq!(err.diagnostic.code, Code::FileTooLarge);
    }
}
