//! Hot reload: the server watches the project's directory, and after each burst of
//! changes opens the project again (as its caller opened it first). A version that checks
//! cleanly is swapped in atomically; one with errors is refused, its diagnostics logged,
//! and the last good version keeps serving. Requests in flight keep the version they took.

use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode, ModifyKind};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use serde_json::Value as Json;

use super::ServeError;
use super::log;
use super::state::{Loaded, State};
use crate::diagnostics::Diagnostic;
use crate::report::{self, PathBase};
use crate::session::Session;
use crate::source::SourceMap;

/// A burst of events (an editor saving, a checkout) ends when none comes for this long.
const QUIET: Duration = Duration::from_millis(200);
/// A stream of events that never pauses still reloads this often.
const LONGEST_BURST: Duration = Duration::from_secs(2);
/// Directories whose changes are never the project's: cpl's own run and decision logs,
/// version control, build output.
const IGNORED_DIRS: &[&str] = &[".cpl", ".git", "target", "node_modules"];

/// Opens the project again, with the options it was first opened with.
pub type Reopen = Arc<dyn Fn() -> Session + Send + Sync>;

/// What hot reload needs: the directory to watch and how to open the project again.
#[derive(Clone)]
pub struct Reload {
    /// The project's root; every file the project reads is under it.
    pub root: PathBuf,
    pub reopen: Reopen,
}

impl std::fmt::Debug for Reload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reload")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

/// The watch in progress: dropping it stops the watcher, and with it the reload thread
/// (which holds the watcher only weakly, to watch directories created later).
pub struct Watching {
    _watcher: Arc<Mutex<RecommendedWatcher>>,
}

/// Starts watching `reload.root`; each burst of relevant changes reloads `state`.
pub fn watch(state: Arc<State>, reload: Reload) -> Result<Watching, ServeError> {
    let (sender, events) = std::sync::mpsc::channel();
    let mut watcher = notify::recommended_watcher(sender)
        .map_err(|e| ServeError(format!("cannot watch the project for changes: {e}")))?;
    let ignored = Ignored::new(&reload.root, &state.current().session);
    watch_root(&mut watcher, &reload.root, &ignored)?;
    let watcher = Arc::new(Mutex::new(watcher));
    let weak = Arc::downgrade(&watcher);
    std::thread::Builder::new()
        .name("cpl-serve-reload".to_string())
        .spawn(move || follow(&events, &weak, &state, &reload, &ignored))
        .map_err(|e| ServeError(format!("cannot start the reload thread: {e}")))?;
    Ok(Watching { _watcher: watcher })
}

/// Watches the root itself, and each directory in it but the ignored ones with all they
/// hold: the decision log, written on every request, and build output are not watched.
fn watch_root(watcher: &mut RecommendedWatcher, root: &Path, ignored: &Ignored) -> Result<(), ServeError> {
    let cannot = |e: notify::Error| ServeError(format!("cannot watch `{}` for changes: {e}", root.display()));
    watcher.watch(root, RecursiveMode::NonRecursive).map_err(cannot)?;
    let entries = std::fs::read_dir(root).map_err(|e| cannot(notify::Error::io(e)))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() && !ignored.covers(&path) {
            watcher.watch(&path, RecursiveMode::Recursive).map_err(cannot)?;
        }
    }
    Ok(())
}

/// Reloads after each burst of changes, until the watcher is dropped.
fn follow(
    events: &Receiver<notify::Result<Event>>,
    watcher: &Weak<Mutex<RecommendedWatcher>>,
    state: &State,
    reload: &Reload,
    ignored: &Ignored,
) {
    let mut refused: Option<String> = None;
    while let Ok(first) = events.recv() {
        if !relevant(&first, ignored) {
            continue;
        }
        if let Err(error) = &first {
            log::watch_failed(&format!(
                "watching the project failed, changes may have been missed: {error}"
            ));
        }
        watch_new_directories(&first, watcher, &reload.root, ignored);
        if !wait_for_quiet(events, watcher, &reload.root, ignored) {
            return;
        }
        reload_once(state, reload, &mut refused);
    }
}

/// A directory that appeared in the root is watched with all it holds (those deeper are
/// watched by their parent's recursive watch).
fn watch_new_directories(
    event: &notify::Result<Event>,
    watcher: &Weak<Mutex<RecommendedWatcher>>,
    root: &Path,
    ignored: &Ignored,
) {
    let Ok(event) = event else {
        return;
    };
    for path in &event.paths {
        if path.parent() != Some(root) || !path.is_dir() || ignored.covers(path) {
            continue;
        }
        let Some(watcher) = watcher.upgrade() else {
            return;
        };
        let watched = match watcher.lock() {
            Ok(mut guard) => guard.watch(path, RecursiveMode::Recursive),
            Err(poisoned) => poisoned.into_inner().watch(path, RecursiveMode::Recursive),
        };
        if let Err(error) = watched {
            log::watch_failed(&format!("cannot watch `{}` for changes: {error}", path.display()));
        }
    }
}

/// Whether an event (or a watch error, after which changes may have been missed) calls
/// for a reload.
fn relevant(event: &notify::Result<Event>, ignored: &Ignored) -> bool {
    let Ok(event) = event else {
        return true;
    };
    let changes = match event.kind {
        // Opening and reading files (the reload's own reading among them) changes nothing.
        EventKind::Access(kind) => kind == AccessKind::Close(AccessMode::Write),
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        _ => true,
    };
    changes && (event.paths.is_empty() || event.paths.iter().any(|p| !ignored.covers(p)))
}

/// Drains events until none comes for [`QUIET`] (or the burst has lasted
/// [`LONGEST_BURST`]), watching the directories they create; `false` when the watcher
/// is gone.
fn wait_for_quiet(
    events: &Receiver<notify::Result<Event>>,
    watcher: &Weak<Mutex<RecommendedWatcher>>,
    root: &Path,
    ignored: &Ignored,
) -> bool {
    let started = Instant::now();
    loop {
        match events.recv_timeout(QUIET) {
            Ok(event) => {
                watch_new_directories(&event, watcher, root, ignored);
                if started.elapsed() >= LONGEST_BURST {
                    return true;
                }
            }
            Err(RecvTimeoutError::Timeout) => return true,
            Err(RecvTimeoutError::Disconnected) => return false,
        }
    }
}

/// Opens the project again and swaps it in if it is new and checks cleanly. A version
/// already refused is not refused (and logged) again.
fn reload_once(state: &State, reload: &Reload, refused: &mut Option<String>) {
    let session = match reopen(reload) {
        Ok(session) => session,
        Err(problem) => {
            state.metrics.reload("refused");
            log::reload_refused(None, &[diagnostic_json(&problem, &SourceMap::new())]);
            return;
        }
    };
    let version = session.version();
    let current = state.current();
    if version == current.version || refused.as_deref() == Some(version.as_str()) {
        return;
    }
    let problems = session.diagnostics();
    if session.fatal().is_some() || problems.has_errors() {
        let sources = &session.project.sources;
        let listed: Vec<Json> = session
            .fatal()
            .into_iter()
            .chain(problems.iter())
            .map(|d| diagnostic_json(d, sources))
            .collect();
        state.metrics.reload("refused");
        log::reload_refused(Some(&version), &listed);
        *refused = Some(version);
        return;
    }
    state.replace(Loaded { session, version });
    *refused = None;
    state.metrics.reload("applied");
    log::reload_applied(&current.version, &state.current().version);
}

/// The project opened again; a panic while opening (a bug) is a problem, not the end of
/// reloading.
fn reopen(reload: &Reload) -> Result<Session, Diagnostic> {
    let reopen = reload.reopen.clone();
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || reopen()))
        .map_err(|_| Diagnostic::internal("opening the project again failed"))
}

fn diagnostic_json(diagnostic: &Diagnostic, sources: &SourceMap) -> Json {
    report::diagnostic_to_json(diagnostic, sources, &PathBase::Project)
}

/// The paths whose changes are not the project's.
struct Ignored {
    root: PathBuf,
    /// The run log (where the decision log is written too) and its journal files.
    runlog: Option<PathBuf>,
}

impl Ignored {
    fn new(root: &Path, session: &Session) -> Ignored {
        Ignored {
            root: root.to_path_buf(),
            runlog: session.project.config.runlog_path(root).ok(),
        }
    }

    fn covers(&self, path: &Path) -> bool {
        let Ok(relative) = path.strip_prefix(&self.root) else {
            return false;
        };
        let in_ignored_dir = relative.components().any(|part| match part {
            Component::Normal(name) => IGNORED_DIRS.iter().any(|dir| name == *dir),
            _ => false,
        });
        in_ignored_dir || self.runlog.as_deref().is_some_and(|log| is_database_file(path, log))
    }
}

/// Whether `path` is the SQLite database `database` or one of its journal files.
fn is_database_file(path: &Path, database: &Path) -> bool {
    if path == database {
        return true;
    }
    let (Some(name), Some(base)) = (path.file_name(), database.file_name()) else {
        return false;
    };
    let (name, base) = (name.to_string_lossy(), base.to_string_lossy());
    path.parent() == database.parent()
        && name
            .strip_prefix(&*base)
            .is_some_and(|rest| ["-wal", "-shm", "-journal"].contains(&rest))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ignored() -> Ignored {
        Ignored {
            root: PathBuf::from("project"),
            runlog: Some(PathBuf::from("project/logs/runs.db")),
        }
    }

    #[test]
    fn cpl_logs_and_build_output_are_not_the_project() {
        let ignored = ignored();
        for path in [
            "project/.cpl/runs.db",
            "project/.cpl/runs.db-wal",
            "project/.cpl",
            "project/sub/target/debug/x",
            "project/.git/index",
            "project/logs/runs.db",
            "project/logs/runs.db-journal",
        ] {
            assert!(ignored.covers(Path::new(path)), "{path}");
        }
        for path in [
            "project/main.cp",
            "project/cpl.toml",
            "project/data/targets.yaml",
            "project/logs/runs.db.yaml",
        ] {
            assert!(!ignored.covers(Path::new(path)), "{path}");
        }
    }

    #[test]
    fn reading_files_is_not_a_change() {
        let ignored = ignored();
        let event = |kind| Ok(Event::new(kind).add_path(PathBuf::from("project/main.cp")));
        let open = EventKind::Access(AccessKind::Open(notify::event::AccessMode::Any));
        assert!(!relevant(&event(open), &ignored));
        let read = EventKind::Access(AccessKind::Close(AccessMode::Read));
        assert!(!relevant(&event(read), &ignored));
        let written = EventKind::Access(AccessKind::Close(AccessMode::Write));
        assert!(relevant(&event(written), &ignored));
        let data = EventKind::Modify(ModifyKind::Data(notify::event::DataChange::Any));
        assert!(relevant(&event(data), &ignored));
        let in_log = Ok(Event::new(EventKind::Modify(ModifyKind::Any)).add_path(PathBuf::from("project/.cpl/runs.db")));
        assert!(!relevant(&in_log, &ignored));
        let error: notify::Result<Event> = Err(notify::Error::generic("queue overflow"));
        assert!(relevant(&error, &ignored), "changes may have been missed");
    }
}
