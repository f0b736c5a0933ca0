//! The corpus benchmark: every family of the seeded corpus (and the shipped example traces)
//! through the prod overlay's policy, ours beside the plain HPA and a KEDA-like scaler, printed
//! as a Markdown table with the run time. `cargo bench -p notejam-autoscaler --bench corpus`
//! (`CORPUS_SEEDS=N` seeds per family, default 5).

use std::path::{Path, PathBuf};
use std::time::Instant;

use notejam_autoscaler::corpus::run::{FamilyScores, dominance_failures, run_family};
use notejam_autoscaler::corpus::{EXAMPLE_TRACES, Family};
use notejam_autoscaler::policy::ValidPolicy;
use notejam_autoscaler::simulate::{
    ReplayOptions, Score, Scores, load_policy, read_baseline, read_trace, replay_scores,
};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn policy(path: &str) -> ValidPolicy {
    load_policy(&repo(path))
        .expect("the policy parses")
        .validate()
        .expect("the policy is valid")
}

fn cell(s: &Score) -> String {
    format!(
        "{:.0} / {} / {:.1} / {}",
        s.overload_pod_seconds,
        s.samples_over_target,
        s.pod_hours,
        s.churn()
    )
}

fn row(name: &str, seeds: u32, s: &Scores) {
    let verdict = match dominance_failures(&s.ours, &s.hpa, 1.10) {
        None => "yes".to_string(),
        Some(why) => format!("no: {why}"),
    };
    println!(
        "| {name} | {seeds} | {} | {} | {} | {} | {verdict} |",
        cell(&s.ours),
        cell(&s.hpa),
        cell(&s.keda),
        s.ours.scale_downs_in_outage
    );
}

fn main() {
    let seeds: u64 = std::env::var("CORPUS_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let prod = policy("k8s/overlays/prod/scaling-policy.yaml");
    let prod_baseline = read_baseline(&repo("k8s/overlays/prod/baseline.json")).expect("baseline");
    let started = Instant::now();
    println!(
        "Each cell: overload pod-seconds / samples over target / pod-hours / churn (scale events + direction changes within 10 min), summed over the seeds."
    );
    println!();
    println!(
        "| family | seeds | ours | plain HPA | KEDA-like | ours: scale-downs in outages | dominates the plain HPA |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut results: Vec<FamilyScores> = Vec::new();
    for family in Family::ALL {
        let r = run_family(&prod, Some(&prod_baseline), family, 1..=seeds).expect("replay");
        row(family.name(), r.seeds, &r.scores);
        results.push(r);
    }
    // The shipped example traces, through the example policy they were made for.
    let example = policy("autoscaler/examples/policy.yaml");
    let fixture =
        read_baseline(&repo("autoscaler/tests/fixtures/baseline.json")).expect("baseline");
    for t in EXAMPLE_TRACES {
        let samples = read_trace(&repo(&format!("autoscaler/examples/traces/{t}"))).expect("trace");
        let s = replay_scores(&example, Some(&fixture), &samples, ReplayOptions::default())
            .expect("replay");
        row(&format!("example {t}"), 1, &s);
    }
    // The forecast's gain: the same policy without it, on the families with a season.
    let mut no_forecast = prod.clone();
    for m in &mut no_forecast.metrics {
        m.forecast = None;
    }
    println!();
    println!("| forecast | family | ours with forecast | ours without | plain HPA |");
    println!("|---|---|---|---|---|");
    for family in [Family::Daily, Family::Weekly, Family::LongTailWeek] {
        let with = results
            .iter()
            .find(|r| r.family == Some(family))
            .expect("ran");
        let without =
            run_family(&no_forecast, Some(&prod_baseline), family, 1..=seeds).expect("replay");
        println!(
            "| | {} | {} | {} | {} |",
            family.name(),
            cell(&with.scores.ours),
            cell(&without.scores.ours),
            cell(&with.scores.hpa)
        );
    }
    println!();
    println!(
        "corpus: {} families x {seeds} seeds + 6 example traces (+ the forecast comparison) in {:.2} s",
        Family::ALL.len(),
        started.elapsed().as_secs_f64()
    );
}
