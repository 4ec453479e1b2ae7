//! One way in for every workflow test: a project written to a temporary directory,
//! loaded like `cpl` loads it, and a run of one of its workflows through the executor.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use cpl::diagnostics::Diagnostic;
use cpl::ir::Value;
use cpl::project::Project;
use cpl::report::{self, Format, RenderOptions};
use cpl::runtime::connector::Connectors;
use cpl::runtime::executor::{Executor, RunOptions, RunReport};
use cpl::runtime::runlog::RunRecorder;
use cpl::session::{OpenOptions, Session, Vars};
use cpl::source::SourceMap;

/// A project on disk, opened through the facade as `cpl` opens it.
pub struct Loaded {
    /// Kept so the project's files live as long as the test needs them.
    pub _dir: tempfile::TempDir,
    pub session: Session,
}

impl Loaded {
    pub fn project(&self) -> &Project {
        &self.session.project
    }

    pub fn root(&self) -> PathBuf {
        self.session.project.root.clone()
    }

    /// Sets an environment variable as `env()` and `secret()` see it (the session's
    /// variables are a fixed set, never the test process's).
    pub fn set_var(&mut self, name: &str, value: &str) {
        if let Vars::Fixed(vars) = &mut self.session.host.vars {
            vars.insert(name.to_string(), value.to_string());
        }
    }

    /// Every diagnostic of checking and compiling, rendered without colour.
    pub fn rendered(&self) -> String {
        render(
            &self.session.project.diagnostics.clone().into_vec(),
            &self.session.project.sources,
        )
    }

    pub fn codes(&self) -> Vec<&'static str> {
        self.session
            .project
            .diagnostics
            .iter()
            .map(|d| d.code.as_str())
            .collect()
    }

    /// Runs `workflow` with the given arguments.
    pub fn run(
        &self,
        workflow: &str,
        args: &[(&str, Value)],
        connectors: Arc<dyn Connectors>,
        recorder: &dyn RunRecorder,
        tweak: impl FnOnce(&mut RunOptions),
    ) -> RunReport {
        assert!(
            !self.session.project.diagnostics.has_errors(),
            "the project does not check:\n{}",
            self.rendered()
        );
        let (id, _) = self
            .session
            .project
            .program
            .workflow(workflow)
            .expect("no such workflow");
        let env = self.session.env();
        let mut options = RunOptions::new(self.root());
        options.grace = std::time::Duration::from_millis(500);
        tweak(&mut options);
        let executor = Executor {
            env: &env,
            workflow: &self.session.project.workflows[id.index()],
            connectors,
            recorder,
            options,
            on_event: None,
            describe_decision: &cpl::report::decision_record_json,
        };
        let args: Vec<(Arc<str>, Value)> = args.iter().map(|(n, v)| (Arc::from(*n), v.clone())).collect();
        executor
            .run(&args)
            .unwrap_or_else(|e| panic!("the run did not start: {e:?}"))
    }
}

/// Writes `files` (path, text) into a new directory and loads it as a project.
pub fn project(files: &[(&str, &str)]) -> Loaded {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        write(dir.path(), path, text);
    }
    load(dir)
}

pub fn write(root: &Path, path: &str, text: &str) {
    let full = root.join(path);
    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
    std::fs::write(full, text).unwrap();
}

pub fn load(dir: tempfile::TempDir) -> Loaded {
    let now = jiff::Timestamp::from_second(1_795_341_600).unwrap();
    let options = OpenOptions {
        vars: Vars::Fixed(Default::default()),
        ..OpenOptions::new(now)
    };
    let session = Session::open(dir.path(), &options);
    Loaded { _dir: dir, session }
}

pub fn render(diags: &[Diagnostic], sources: &SourceMap) -> String {
    let options = RenderOptions {
        color: false,
        width: 100,
        summary: false,
        anchor: None,
        paths: report::PathBase::Project,
    };
    report::render_to_string(diags, sources, Format::Human, &options)
}

pub fn s(text: &str) -> Value {
    Value::str(text)
}
