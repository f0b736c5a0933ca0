//! `gate`: run (or read a result), judge the thresholds, write JUnit; exit 0 pass, 99 a threshold
//! failed, 1 the test could not run (which the JUnit file says too).

use std::path::Path;

use anyhow::{Context, Result, bail};

use super::load::{finish_run, load_once};
use crate::baseline::BaselineFile;
use crate::cli::gate::GateArgs;
use crate::report;
use crate::result::RunResult;
use crate::threshold;

/// Exit code when a threshold failed (`gate`).
pub const EXIT_THRESHOLD_FAILED: u8 = 99;

/// A `gate` command line clap refused (exit 1) still writes its `--junit` file, when one can be
/// read from the arguments: CI then shows the usage error instead of "no tests".
pub fn junit_for_usage_error(message: &str) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) != Some("gate") {
        return;
    }
    let mut path = None;
    let mut host = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.split_once('=') {
            Some(("--junit", v)) => path = Some(v.to_string()),
            Some(("--host", v)) => host = Some(v.to_string()),
            _ if a == "--junit" => path = it.next().cloned(),
            _ if a == "--host" => host = it.next().cloned(),
            _ => {}
        }
    }
    if let Some(p) = path.filter(|p| !p.is_empty() && !p.starts_with('-')) {
        let target = host.unwrap_or_else(|| "(command line refused)".into());
        write_junit_error(Path::new(&p), &target, message.trim());
    }
}

/// Writes the JUnit file of a gate that could not run; a failure to write it is only reported.
fn write_junit_error(path: &Path, target: &str, reason: &str) {
    let written =
        report::junit::junit_error(target, reason).and_then(|xml| report::write_file(path, &xml));
    if let Err(w) = written {
        eprintln!("error: and the JUnit file could not be written: {w:#}");
    }
}

/// `gate`, which also says in the JUnit file when the test itself could not run (exit 1), so CI
/// shows that failure rather than "no tests".
pub async fn gate(a: GateArgs) -> Result<u8> {
    let junit = a.junit.clone();
    let target = match (&a.from, &a.load.host) {
        (Some(f), _) => f.display().to_string(),
        (None, Some(h)) => h.clone(),
        (None, None) => "(no --host)".to_string(),
    };
    let outcome = gate_judged(a).await;
    if let (Err(e), Some(path)) = (&outcome, junit) {
        write_junit_error(&path, &target, &format!("{e:#}"));
    }
    outcome
}

async fn gate_judged(a: GateArgs) -> Result<u8> {
    // Everything that can be wrong with the command is found before any load is sent.
    let thresholds = threshold::parse_all(&a.thresholds)?;
    let needs_baseline = thresholds
        .iter()
        .any(|t| matches!(t.limit, threshold::Limit::Baseline(_)));
    let baseline = match &a.baseline {
        Some(p) => Some(BaselineFile::read(p)?),
        None if needs_baseline => {
            bail!("a threshold is relative to the baseline: give --baseline FILE")
        }
        None => None,
    };
    let run = match &a.from {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            RunResult::from_json(&text, &p.display().to_string())?
        }
        None => load_once(&a.load).await?,
    };
    let verdicts = threshold::evaluate(&thresholds, &run, baseline.as_ref());
    if let Some(j) = &a.junit {
        report::write_file(j, &report::junit::junit(&run, &verdicts)?)?;
    }
    finish_run(&a.load, &run, &verdicts, baseline.as_ref())?;
    let failed = verdicts.iter().filter(|v| !v.passed).count();
    if failed > 0 {
        eprintln!("gate: {failed} of {} thresholds FAILED", verdicts.len());
        Ok(EXIT_THRESHOLD_FAILED)
    } else {
        eprintln!("gate: all {} thresholds passed", verdicts.len());
        Ok(0)
    }
}
