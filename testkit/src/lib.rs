//! Test support shared across the workspace's crates: a free loopback port, waiting until a port
//! or an HTTP URL answers, a child process killed on drop, and the real services the tests start
//! for themselves (Debian's `prometheus`, moto's `moto_server`).
//!
//! A missing tool or a service that never becomes ready is a loud test failure, never a skip:
//! `scripts/test.sh` installs them. Everything here blocks (std only), so that sync and async
//! tests alike can call it; the waits are short, on processes outside the test's runtime.

use std::fs::File;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free loopback port (bound, then released for the child to take).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `name` on `PATH`, if it is there.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// A tool the test needs: `$var` if that is set (and `var` is given), else `name` on `PATH`;
/// panics saying how to install it (`install`) when neither exists.
pub fn tool(var: Option<&str>, name: &str, install: &str) -> PathBuf {
    if let Some(path) = var.and_then(std::env::var_os) {
        return PathBuf::from(path);
    }
    which(name).unwrap_or_else(|| {
        let or_var = var.map(|v| format!(" or set {v}")).unwrap_or_default();
        panic!(
            "`{name}` is not on PATH: this test needs the real tool. Install it with `{install}` \
             (scripts/test.sh does){or_var}."
        )
    })
}

/// Runs `cmd` to its end and returns its output, once it has succeeded; else panics with `what`
/// and what it said on stderr.
pub fn succeeded(cmd: &mut Command, what: &str) -> std::process::Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {:?}: {e}", cmd.get_program()));
    assert!(
        out.status.success(),
        "{what} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A child process, killed (and reaped) when dropped. Derefs to the [`Child`].
pub struct Killed(pub Child);

impl Deref for Killed {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl DerefMut for Killed {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// GET `url` (plain `http://host:port/path`) with a tiny HTTP/1.0 client, enough for a health
/// check: its status and body, or `None` when nothing answered.
pub fn http_get(url: &str) -> Option<(u16, String)> {
    let rest = url.strip_prefix("http://")?;
    let (hostport, path) = rest
        .split_once('/')
        .map(|(h, p)| (h, format!("/{p}")))
        .unwrap_or((rest, "/".into()));
    let mut s = TcpStream::connect(hostport).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {hostport}\r\n\r\n").ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    let status = buf.split_whitespace().nth(1)?.parse().ok()?;
    let body = buf
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Some((status, body))
}

/// `url` answers 200.
pub fn http_ok(url: &str) -> bool {
    matches!(http_get(url), Some((200, _)))
}

/// Polls `ready` every 100 ms until it holds, or panics after `limit`: early, with the exit
/// status, if `child` has exited. `what` names the service in the panic, followed by `log()`.
pub fn wait_until(
    what: &str,
    limit: Duration,
    child: &mut Child,
    log: impl Fn() -> String,
    mut ready: impl FnMut() -> bool,
) {
    let start = Instant::now();
    while !ready() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited early with {status}; its output:\n{}", log());
        }
        if start.elapsed() > limit {
            panic!(
                "{what} did not become ready within {limit:?}; its output:\n{}",
                log()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A service the test started: its process (killed on drop), its base URL and its own
/// directory (the output log, any data), which goes with it.
pub struct Server {
    pub child: Killed,
    pub url: String,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Server {
    /// Spawns `cmd` (with its output to `output.log` in `dir`), which listens on loopback `port`,
    /// and waits up to `limit` until `{url}{ready_path}` answers 2xx (`ready_path` `None`: until
    /// the port accepts connections).
    pub fn start(
        mut cmd: Command,
        what: &str,
        port: u16,
        ready_path: Option<&str>,
        limit: Duration,
        dir: tempfile::TempDir,
    ) -> Server {
        let log = File::create(dir.path().join("output.log")).unwrap();
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {what} ({:?}): {e}", cmd.get_program()));
        let mut server = Server {
            child: Killed(child),
            url: format!("http://127.0.0.1:{port}"),
            port,
            dir,
        };
        let ready = ready_path.map(|p| format!("{}{p}", server.url));
        let log_path = server.dir.path().join("output.log");
        wait_until(
            &format!("{what} on port {port}"),
            limit,
            &mut server.child,
            || std::fs::read_to_string(&log_path).unwrap_or_default(),
            || match &ready {
                Some(url) => http_get(url).is_some_and(|(s, _)| (200..300).contains(&s)),
                None => TcpStream::connect(("127.0.0.1", port)).is_ok(),
            },
        );
        server
    }

    /// What the service has printed so far (stdout and stderr).
    pub fn output(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("output.log")).unwrap_or_default()
    }

    /// The service's own directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

/// A real Prometheus (Debian's `prometheus`; `$NOTEJAM_TEST_PROMETHEUS` if set) on a free loopback
/// port with `config` as its `prometheus.yml` and its data in `dir/data` (which may hold blocks
/// already, e.g. backfilled by `promtool`); ready once `/-/ready` answers.
pub fn prometheus(config: &str, dir: tempfile::TempDir) -> Server {
    let bin = tool(
        Some("NOTEJAM_TEST_PROMETHEUS"),
        "prometheus",
        "apt-get install -y prometheus",
    );
    let file = dir.path().join("prometheus.yml");
    std::fs::write(&file, config).unwrap();
    let port = free_port();
    let mut cmd = Command::new(bin);
    cmd.arg(format!("--config.file={}", file.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--log.level=warn");
    Server::start(
        cmd,
        "prometheus",
        port,
        Some("/-/ready"),
        Duration::from_secs(30),
        dir,
    )
}

/// A Prometheus configuration: every second, job `job` scraping `target` (host:port).
pub fn scrape_config(job: &str, target: &str) -> String {
    format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
         scrape_configs:\n  - job_name: {job}\n    static_configs:\n      - targets: ['{target}']\n"
    )
}

/// A `moto_server` (PyPI `moto[server]`; `$MOTO_SERVER` if set) of the test's own on a free
/// loopback port, ready once `/moto-api/` answers. Its URL is the AWS endpoint to use.
pub fn moto() -> Server {
    let bin = tool(
        Some("MOTO_SERVER"),
        "moto_server",
        "pip install 'moto[server]'",
    );
    let port = free_port();
    let mut cmd = Command::new(bin);
    cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
    Server::start(
        cmd,
        "moto_server",
        port,
        Some("/moto-api/"),
        Duration::from_secs(30),
        tempfile::tempdir().unwrap(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_free_port_can_be_bound_again() {
        let port = free_port();
        TcpListener::bind(("127.0.0.1", port)).unwrap();
    }

    #[test]
    fn nothing_listening_is_no_answer() {
        assert_eq!(
            http_get(&format!("http://127.0.0.1:{}/", free_port())),
            None
        );
    }

    #[test]
    #[should_panic(expected = "exited early")]
    fn a_server_that_exits_fails_loudly() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo bye; exit 3"]);
        let port = free_port();
        Server::start(
            cmd,
            "sh",
            port,
            None,
            Duration::from_secs(10),
            tempfile::tempdir().unwrap(),
        );
    }

    #[test]
    #[should_panic(expected = "is not on PATH")]
    fn a_missing_tool_fails_loudly() {
        tool(None, "no-such-tool-notejam", "nothing");
    }
}
