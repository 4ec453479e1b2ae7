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
    let bytes = read_regular(path, shown, limit)?;
    decode(bytes, shown).map_err(|diagnostic| ReadError { diagnostic })
}

/// Reads a regular file's bytes, at most `limit` of them. A FIFO, a device or a socket
/// is refused before it is opened: opening a FIFO waits for a writer, and a device such
/// as `/dev/zero` never ends. The opened file is checked again, so a path swapped for
/// something else between the two looks is still refused, and the read stops past the
/// limit whatever the size said.
pub fn read_regular(path: &Path, shown: &str, limit: u64) -> Result<Vec<u8>, ReadError> {
    let unreadable = |e: std::io::Error| ReadError {
        diagnostic: Diagnostic::new(
            Code::UnreadableFile,
            format!("cannot read `{shown}`: {}", io_reason(&e)),
        )
        .with_help("check the path and its permissions"),
    };
    let metadata = std::fs::metadata(path).map_err(unreadable)?;
    check_regular(&metadata, shown, limit)?;
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let opened = file.metadata().map_err(unreadable)?;
    check_regular(&opened, shown, limit)?;
    read_bounded(file, shown, limit)
}

/// Refuses what is not a regular file, or is larger than `limit`.
fn check_regular(metadata: &std::fs::Metadata, shown: &str, limit: u64) -> Result<(), ReadError> {
    let fail = |code: Code, message: String, help: &str| ReadError {
        diagnostic: Diagnostic::new(code, message).with_help(help.to_string()),
    };
    if metadata.is_dir() {
        return Err(fail(
            Code::UnreadableFile,
            format!("`{shown}` is a directory"),
            "give a file",
        ));
    }
    if !metadata.is_file() {
        return Err(fail(
            Code::UnreadableFile,
            format!("`{shown}` is not a regular file (it is {})", special_kind(metadata)),
            "cpl reads regular files only: a pipe or a device has no end it can rely on; save the data to a file",
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
    Ok(())
}

/// What a file that is neither a directory nor a regular file is, for messages.
fn special_kind(metadata: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = metadata.file_type();
        if kind.is_fifo() {
            return "a named pipe";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    let _ = metadata;
    "neither a file nor a directory"
}

/// Reads a stream (standard input, a pipe, a file) as UTF-8 text. At most `limit + 1`
/// bytes are read: a pipe or a growing file has no size to check beforehand, so going
/// past the limit is what shows it is too large.
pub fn read_stream(stream: impl Read, shown: &str, limit: u64) -> Result<String, ReadError> {
    let bytes = read_bounded(stream, shown, limit)?;
    decode(bytes, shown).map_err(|diagnostic| ReadError { diagnostic })
}

/// The bytes of a stream, refused once there are more than `limit`.
fn read_bounded(stream: impl Read, shown: &str, limit: u64) -> Result<Vec<u8>, ReadError> {
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
    Ok(bytes)
}

/// Bytes to text: binary content and invalid UTF-8 are reported with their position.
pub fn decode(bytes: Vec<u8>, shown: &str) -> Result<String, Diagnostic> {
    let head = bytes.get(..bytes.len().min(8192)).unwrap_or(&[]);
    if let Some(encoding) = utf16_encoding(head) {
        return Err(
            Diagnostic::new(Code::NotUtf8, format!("`{shown}` is {encoding}, not UTF-8"))
                .with_note("cpl reads UTF-8 text, with or without a byte order mark")
                .with_help("save the file as UTF-8 (in Excel: \"CSV UTF-8\"; in an editor: \"UTF-8\" encoding)"),
        );
    }
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

/// The UTF-16 (or UTF-32) encoding a file's start shows: its byte order mark, or, with
/// none, ASCII text with a NUL byte beside every character. Read as UTF-8 such a file
/// would be garbage or "binary"; naming the encoding tells the user what to change.
fn utf16_encoding(head: &[u8]) -> Option<&'static str> {
    match head {
        [0xFF, 0xFE, 0, 0, ..] => Some("UTF-32 (little-endian)"),
        [0, 0, 0xFE, 0xFF, ..] => Some("UTF-32 (big-endian)"),
        [0xFF, 0xFE, ..] => Some("UTF-16 (little-endian)"),
        [0xFE, 0xFF, ..] => Some("UTF-16 (big-endian)"),
        _ => {
            let pairs = head.get(..head.len().min(64) & !1).unwrap_or(&[]);
            let ascii_then_nul = |text: usize| {
                pairs.len() >= 4
                    && pairs.chunks_exact(2).all(|pair| {
                        let (c, z) = if text == 0 {
                            (pair.first(), pair.get(1))
                        } else {
                            (pair.get(1), pair.first())
                        };
                        c.is_some_and(|&c| c != 0 && c.is_ascii()) && z == Some(&0)
                    })
            };
            if ascii_then_nul(0) {
                Some("UTF-16 (little-endian)")
            } else if ascii_then_nul(1) {
                Some("UTF-16 (big-endian)")
            } else {
                None
            }
        }
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

/// The bytes of a file named by a path relative to `root`, for `file_sha256`: inside
/// the project once its links are followed, a regular file, within the data size limit.
pub fn read_project_file(root: &Path, path: &Path) -> Result<Vec<u8>, Diagnostic> {
    let shown = path.display().to_string();
    let real = crate::confine::inside_root(root, path)
        .map_err(|real| crate::confine::escape_diagnostic("the file", root, path, &real))?;
    read_regular(&real, &shown, MAX_DATA_BYTES).map_err(|error| error.diagnostic)
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
    fn utf16_is_named_with_or_without_a_byte_order_mark() {
        let utf16 = |text: &str, big: bool, bom: bool| -> Vec<u8> {
            let units = bom.then_some(0xFEFF).into_iter().chain(text.encode_utf16());
            units
                .flat_map(|u| if big { u.to_be_bytes() } else { u.to_le_bytes() })
                .collect()
        };
        for (big, bom, named) in [
            (false, true, "UTF-16 (little-endian)"),
            (true, true, "UTF-16 (big-endian)"),
            (false, false, "UTF-16 (little-endian)"),
            (true, false, "UTF-16 (big-endian)"),
        ] {
            let err = decode(utf16("name,owner\r\na,b\r\n", big, bom), "t.csv").unwrap_err();
            assert_eq!(err.code, Code::NotUtf8);
            assert_eq!(err.message, format!("`t.csv` is {named}, not UTF-8"));
            assert!(
                err.help
                    .as_deref()
                    .is_some_and(|h| h.contains("save the file as UTF-8"))
            );
        }
        let err = decode(vec![0xFF, 0xFE, 0, 0, b'a', 0, 0, 0], "t.csv").unwrap_err();
        assert!(err.message.contains("UTF-32"), "{}", err.message);
        // A UTF-8 byte order mark is fine, and a lone NUL is still a binary file.
        assert_eq!(decode(b"\xEF\xBB\xBFa,b\n".to_vec(), "t.csv").unwrap(), "\u{feff}a,b\n");
        assert_eq!(
            decode(b"abcdef\0gh".to_vec(), "t.csv").unwrap_err().code,
            Code::BinaryFile
        );
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
