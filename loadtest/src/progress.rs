//! The progress line on stderr while a load runs (`indicatif`): elapsed of planned seconds,
//! users running, requests measured, errors and p95 so far. Drawn only when stderr is a terminal:
//! in CI logs and pod logs (and with `--quiet`) nothing is printed.

use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::recorder::Recorder;

/// How often the line is brought up to date.
const EVERY: Duration = Duration::from_secs(1);

/// A progress line being kept up to date until [`Progress::finish`].
pub struct Progress {
    bar: ProgressBar,
    updater: tokio::task::JoinHandle<()>,
}

impl Progress {
    /// Starts the line for an attack of `planned_seconds` whose steps have these users.
    pub fn start(recorder: Arc<Recorder>, steps: Vec<usize>, planned_seconds: u64) -> Self {
        // `stderr()` draws nothing unless stderr is a terminal.
        let bar =
            ProgressBar::with_draw_target(Some(planned_seconds), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("[{pos:>5}/{len} s] {wide_msg}")
                .expect("a valid progress template"),
        );
        let line = bar.clone();
        let updater = tokio::spawn(async move {
            let mut tick = tokio::time::interval(EVERY);
            loop {
                tick.tick().await;
                let (requests, errors, p95) = recorder.progress();
                line.set_message(format!(
                    "{} users (plan {steps:?}) · measured {requests} requests · {errors} errors · p95 {p95:.1} ms",
                    recorder.users(),
                ));
                // The last step's users stop a moment after its window: the count stops at the plan.
                line.set_position(recorder.elapsed().as_secs().min(planned_seconds));
            }
        });
        Progress { bar, updater }
    }

    /// Stops updating and clears the line: the run's summary, printed next, has its numbers.
    pub fn finish(self) {
        self.updater.abort();
        self.bar.finish_and_clear();
    }
}
