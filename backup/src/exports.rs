//! Whether to export a kept copy now: a pure decision over the export tasks it already has.
//!
//! The first export of copy `S` is task `S`; if it ends FAILED or CANCELED, a later run (the
//! same day or the next) starts `S-r1`, then `S-r2`, ..., up to `max_attempts` tasks in all.
//! A complete or still running task means there is nothing to do. When every attempt has
//! failed, the run reports it as an error (so the alarm fires) and starts nothing more.

/// Statuses of an export task that will not change any more and produced no export.
/// AWS spells them in capitals; the emulator in lower case.
pub fn is_failed(status: &str) -> bool {
    matches!(
        status.to_ascii_uppercase().as_str(),
        "FAILED" | "CANCELED" | "CANCELLED"
    )
}

/// `COMPLETE`: the export exists.
pub fn is_complete(status: &str) -> bool {
    status.eq_ignore_ascii_case("COMPLETE")
}

/// One export task that ended without an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedAttempt {
    pub task: String,
    pub status: String,
}

/// What to do about the export of one kept copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportDecision {
    /// An attempt is complete, or one is still starting, running or being canceled.
    Nothing,
    /// Start task `task`; `previous` is the failed attempt it replaces, if any.
    Start {
        task: String,
        previous: Option<FailedAttempt>,
    },
    /// Every one of `attempts` tasks failed; `last` is the newest.
    GiveUp { attempts: u32, last: FailedAttempt },
}

/// The attempt number of `task` for copy `snapshot`: 0 for `snapshot` itself, `n` for
/// `snapshot-rN`; `None` when the task is not an export of that copy.
pub fn attempt_of(task: &str, snapshot: &str) -> Option<u32> {
    let rest = task.strip_prefix(snapshot)?;
    if rest.is_empty() {
        return Some(0);
    }
    let n = rest.strip_prefix("-r")?;
    if n.is_empty() || n.starts_with('0') || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    n.parse().ok()
}

/// The identifier of attempt `n` (0-based) of the export of `snapshot`.
pub fn task_id(snapshot: &str, n: u32) -> String {
    if n == 0 {
        snapshot.to_owned()
    } else {
        format!("{snapshot}-r{n}")
    }
}

/// Decides from `tasks` (identifier, status) — any export tasks; those that are not attempts
/// of `snapshot` are ignored — and the bound `max_attempts` (at least 1).
pub fn decide(snapshot: &str, tasks: &[(String, String)], max_attempts: u32) -> ExportDecision {
    let mut attempts: Vec<(u32, &str, &str)> = tasks
        .iter()
        .filter_map(|(task, status)| {
            attempt_of(task, snapshot).map(|n| (n, task.as_str(), status.as_str()))
        })
        .collect();
    attempts.sort_by_key(|(n, _, _)| *n);
    // Anything not known to have failed counts as done or in progress (an unknown status
    // included): a second export beside a running one would only cost money.
    if attempts.iter().any(|(_, _, status)| !is_failed(status)) {
        return ExportDecision::Nothing;
    }
    let Some(&(last_n, last_task, last_status)) = attempts.last() else {
        return ExportDecision::Start {
            task: task_id(snapshot, 0),
            previous: None,
        };
    };
    let last = FailedAttempt {
        task: last_task.to_owned(),
        status: last_status.to_owned(),
    };
    let used = u32::try_from(attempts.len()).unwrap_or(u32::MAX);
    if used >= max_attempts || last_n + 1 >= max_attempts {
        ExportDecision::GiveUp {
            attempts: used,
            last,
        }
    } else {
        ExportDecision::Start {
            task: task_id(snapshot, last_n + 1),
            previous: Some(last),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: &str = "notejam-prod-daily-2026-11-27";

    fn tasks(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(t, s)| (t.to_string(), s.to_string()))
            .collect()
    }

    #[test]
    fn no_task_starts_the_first_attempt() {
        assert_eq!(
            decide(S, &[], 3),
            ExportDecision::Start {
                task: S.into(),
                previous: None
            }
        );
        // Another copy's tasks (even one whose name extends ours) do not count.
        let others = tasks(&[
            ("notejam-prod-daily-2026-11-26", "FAILED"),
            ("notejam-prod-daily-2026-11-27x", "FAILED"),
            ("notejam-prod-daily-2026-11-27-r", "FAILED"),
            ("notejam-prod-daily-2026-11-27-r01", "FAILED"),
        ]);
        assert!(matches!(
            decide(S, &others, 3),
            ExportDecision::Start { previous: None, .. }
        ));
    }

    #[test]
    fn complete_or_running_means_nothing_to_do() {
        for status in [
            "COMPLETE",
            "complete",
            "STARTING",
            "IN_PROGRESS",
            "CANCELING",
            "SOMETHING_NEW",
        ] {
            assert_eq!(
                decide(S, &tasks(&[(S, status)]), 3),
                ExportDecision::Nothing,
                "{status}"
            );
        }
        // A retry that completed ends the matter, even after a failure.
        let t = tasks(&[(S, "FAILED"), (&format!("{S}-r1"), "COMPLETE")]);
        assert_eq!(decide(S, &t, 3), ExportDecision::Nothing);
    }

    #[test]
    fn a_failed_or_canceled_attempt_is_retried_under_the_next_id() {
        for status in ["FAILED", "CANCELED", "canceled", "CANCELLED"] {
            assert_eq!(
                decide(S, &tasks(&[(S, status)]), 3),
                ExportDecision::Start {
                    task: format!("{S}-r1"),
                    previous: Some(FailedAttempt {
                        task: S.into(),
                        status: status.into()
                    }),
                },
                "{status}"
            );
        }
        let t = tasks(&[(&format!("{S}-r1"), "FAILED"), (S, "CANCELED")]);
        assert!(matches!(
            decide(S, &t, 3),
            ExportDecision::Start { task, .. } if task == format!("{S}-r2")
        ));
    }

    #[test]
    fn gives_up_after_max_attempts() {
        let t = tasks(&[
            (S, "FAILED"),
            (&format!("{S}-r1"), "FAILED"),
            (&format!("{S}-r2"), "CANCELED"),
        ]);
        assert_eq!(
            decide(S, &t, 3),
            ExportDecision::GiveUp {
                attempts: 3,
                last: FailedAttempt {
                    task: format!("{S}-r2"),
                    status: "CANCELED".into()
                }
            }
        );
        // One attempt allowed: no retry at all.
        assert!(matches!(
            decide(S, &tasks(&[(S, "FAILED")]), 1),
            ExportDecision::GiveUp { attempts: 1, .. }
        ));
        // A raised bound retries again from the highest attempt number.
        assert!(matches!(
            decide(S, &t, 4),
            ExportDecision::Start { task, .. } if task == format!("{S}-r3")
        ));
    }

    #[test]
    fn attempt_numbers() {
        assert_eq!(attempt_of(S, S), Some(0));
        assert_eq!(attempt_of(&format!("{S}-r2"), S), Some(2));
        assert_eq!(attempt_of(&format!("{S}-r0"), S), None);
        assert_eq!(attempt_of(&format!("{S}-rx"), S), None);
        assert_eq!(task_id(S, 0), S);
        assert_eq!(task_id(S, 9), format!("{S}-r9"));
    }
}
