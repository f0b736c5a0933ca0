//! Running the notejam-loadtest binary (bounded by a timeout), and its command line written as
//! it is typed: words split on white space, and paths and URLs (which may hold anything) passed
//! as they are.

use std::ffi::{OsStr, OsString};
use std::fmt::Debug;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs notejam-loadtest with `args` (bounded by a timeout) and returns its output.
pub fn loadtest<S: AsRef<OsStr> + Debug>(args: &[S], cwd: &Path) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_notejam-loadtest"))
        .args(args)
        .current_dir(cwd)
        .env_remove("NOTEJAM_LOADTEST_HOST")
        .env_remove("NOTEJAM_LOADTEST_PROMETHEUS_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the loadtest binary runs");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("notejam-loadtest {args:?} ran over 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[derive(Clone, Debug)]
pub struct Line(Vec<OsString>);

/// A command line starting with `words`.
pub fn line(words: &str) -> Line {
    Line(Vec::new()).words(words)
}

impl Line {
    /// More arguments, split on white space.
    pub fn words(mut self, words: &str) -> Self {
        self.0.extend(words.split_whitespace().map(OsString::from));
        self
    }

    /// One argument as it is.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.0.push(arg.as_ref().to_owned());
        self
    }

    /// `flag VALUE`, the value (a path, a URL) as it is.
    pub fn flag(self, flag: &str, value: impl AsRef<OsStr>) -> Self {
        self.arg(flag).arg(value)
    }

    /// Runs the binary with this command line in `cwd` (bounded by a timeout).
    pub fn run_in(&self, cwd: &Path) -> Output {
        loadtest(&self.0, cwd)
    }

    /// Runs each line at once, each on its own thread, in `cwd`; their outputs in order.
    pub fn run_together(lines: Vec<Line>, cwd: &Path) -> Vec<Output> {
        let running: Vec<_> = lines
            .into_iter()
            .map(|line| {
                let cwd = cwd.to_path_buf();
                std::thread::spawn(move || line.run_in(&cwd))
            })
            .collect();
        running.into_iter().map(|t| t.join().unwrap()).collect()
    }
}
