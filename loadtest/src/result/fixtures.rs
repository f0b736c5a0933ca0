//! Results made up for the unit tests of the merge and the shard checks.

use std::collections::BTreeMap;

use super::stats::Stats;
use super::{Method, RESULT_FORMAT, RunResult, Shard, StepResult};
use crate::recorder::Series;

pub fn series(values: &[u64], errors: u64) -> Series {
    let mut s = Series::default();
    for v in values {
        s.corrected.record(*v).unwrap();
        s.raw.record(*v).unwrap();
    }
    s.requests = values.len() as u64;
    s.errors = errors;
    s
}

pub fn shard(index: usize, count: usize, started_at: &str, ramp: bool) -> RunResult {
    let stats = Stats::from_series(&series(&[1_000, 2_000], 0), 10.0).unwrap();
    let step = StepResult {
        users: 1,
        duration_seconds: 10.0,
        stats: stats.clone(),
        open_connections: 1.0,
        open_connections_source: "client".into(),
        server_p95_ms: None,
    };
    RunResult {
        format: RESULT_FORMAT.into(),
        generated_by: "test".into(),
        target: "http://127.0.0.1:1".into(),
        started_at: started_at.into(),
        finished_at: started_at.into(),
        duration_seconds: 10.0,
        method: Method {
            kind: if ramp { "stepped-ramp" } else { "users" }.into(),
            users: 1,
            rate: None,
            run_time_seconds: 10.0,
            warmup_seconds: 0.0,
            weights: BTreeMap::new(),
            coordinated_omission_correction: "expected-interval".into(),
        },
        shards: vec![Shard { index, count }],
        total: stats,
        journeys: BTreeMap::new(),
        requests: BTreeMap::new(),
        failures: BTreeMap::new(),
        goose_counts: Some((2, 0)),
        requests_sent: 2,
        redirects_followed: 0,
        timeline: Vec::new(),
        steps: if ramp {
            vec![step.clone(), step]
        } else {
            Vec::new()
        },
        server: None,
        baseline: None,
    }
}
