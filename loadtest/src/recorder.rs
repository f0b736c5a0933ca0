//! Our own measurements, beside goose's: exact HDR histograms (microseconds, 3 significant
//! digits) per request name, per journey and in total, with coordinated-omission correction,
//! plus a per-second timeline for the charts and per-phase histograms for the baseline steps.
//!
//! Goose keeps times in whole milliseconds and rounds those above 100 ms, so it cannot give the
//! percentiles a gate judges; this module can. One recorder lives for one attack; journeys reach
//! it through [`current`], because goose transactions are plain functions without a context.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

/// Highest latency we record: longer ones are clamped (the client times out at 60 s anyway).
pub const MAX_LATENCY_US: u64 = 120_000_000;

/// A latency histogram in microseconds.
pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_LATENCY_US, 3).expect("static histogram bounds are valid")
}

/// Counts and histograms of one series (a request name, a journey, or everything).
#[derive(Clone)]
pub struct Series {
    /// Latency with coordinated-omission correction: what users would have seen.
    pub corrected: Histogram<u64>,
    /// Latency as measured (service time).
    pub raw: Histogram<u64>,
    pub requests: u64,
    pub errors: u64,
    sum_us: u64,
}

impl Default for Series {
    fn default() -> Self {
        Series {
            corrected: new_histogram(),
            raw: new_histogram(),
            requests: 0,
            errors: 0,
            sum_us: 0,
        }
    }
}

impl Series {
    fn record(&mut self, latency_us: u64, ok: bool, correction: Correction) {
        let v = latency_us.clamp(1, MAX_LATENCY_US);
        // The interval expected so far, before this (possibly stalled) request.
        let expected = self.sum_us.checked_div(self.requests).unwrap_or(v);
        self.requests += 1;
        if !ok {
            self.errors += 1;
        }
        self.sum_us = self.sum_us.saturating_add(v);
        let _ = self.raw.record(v);
        match correction {
            // The latency was measured from the intended send time: already corrected.
            Correction::Scheduled => {
                let _ = self.corrected.record(v);
            }
            // Closed model: fill in the requests a stalled user did not send, at the mean
            // interval this series had so far (goose's "average" mitigation, but exact).
            Correction::ExpectedInterval => {
                let _ = self.corrected.record_correct(v, expected.max(1));
            }
        }
    }
}

/// How the corrected histogram is filled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Correction {
    /// Fixed-rate mode: each request has an intended send time; latency counts from it.
    Scheduled,
    /// Fixed-users mode: `record_correct` with the series' mean latency as expected interval.
    ExpectedInterval,
}

/// One second of the timeline (for charts; percentiles here are per second, 2 digits).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct Second {
    /// Seconds since the attack started.
    pub t: u64,
    pub requests: u64,
    pub errors: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    /// Users running (each goose user keeps its own client and keep-alive connection).
    pub users: u64,
    /// Most requests in flight at once during the second.
    pub in_flight_max: u64,
}

struct Timeline {
    seconds: Vec<Second>,
    current: Option<(u64, Histogram<u64>, Second)>,
}

impl Timeline {
    fn close_current(&mut self) {
        if let Some((_, h, mut s)) = self.current.take() {
            if s.requests > 0 {
                s.p50_ms = h.value_at_quantile(0.50) as f64 / 1000.0;
                s.p95_ms = h.value_at_quantile(0.95) as f64 / 1000.0;
                s.p99_ms = h.value_at_quantile(0.99) as f64 / 1000.0;
            }
            self.seconds.push(s);
        }
    }
}

#[derive(Default)]
struct Inner {
    total: Series,
    journeys: BTreeMap<String, Series>,
    requests: BTreeMap<String, Series>,
    /// Per phase (baseline step); `None` phases (warm-up) are not kept.
    phases: BTreeMap<usize, Series>,
    failures: BTreeMap<String, u64>,
}

/// The measurements of one attack.
pub struct Recorder {
    epoch: Instant,
    correction: Correction,
    inner: Mutex<Inner>,
    timeline: Mutex<Timeline>,
    /// The phase being measured now (`-1`: not measuring, e.g. warm-up).
    phase: AtomicI64,
    /// `false` until the warm-up is over: requests then are sent but not measured.
    pacer: Option<Pacer>,
    users: AtomicUsize,
    in_flight: AtomicUsize,
    sent: AtomicUsize,
    redirects: AtomicUsize,
    measure_from: RwLock<Option<Instant>>,
}

/// Snapshot of everything recorded.
pub struct Snapshot {
    pub total: Series,
    pub journeys: BTreeMap<String, Series>,
    pub requests: BTreeMap<String, Series>,
    pub phases: BTreeMap<usize, Series>,
    pub timeline: Vec<Second>,
    pub failures: BTreeMap<String, u64>,
    pub measured_seconds: f64,
    /// Every request sent, measured or not (warm-up, after the window).
    pub sent: u64,
    pub redirects: u64,
}

/// Open-model pacing for `--rate`: hands out send times at a fixed interval, whether or not a
/// user is free to send at that moment, so a stall shows up in the latency (like wrk2).
pub struct Pacer {
    interval: Duration,
    next: Mutex<Instant>,
}

impl Pacer {
    pub fn new(rate_per_second: f64, start: Instant) -> Self {
        Pacer {
            interval: Duration::from_secs_f64(1.0 / rate_per_second),
            next: Mutex::new(start),
        }
    }

    /// Reserves the next send slot and waits for it; returns the intended send time.
    pub async fn slot(&self) -> Instant {
        let slot = {
            let mut next = self.next.lock().unwrap();
            let slot = *next;
            *next += self.interval;
            slot
        };
        tokio::time::sleep_until(slot.into()).await;
        slot
    }
}

impl Recorder {
    pub fn new(rate: Option<f64>) -> Arc<Self> {
        let epoch = Instant::now();
        Arc::new(Recorder {
            epoch,
            correction: if rate.is_some() {
                Correction::Scheduled
            } else {
                Correction::ExpectedInterval
            },
            inner: Mutex::new(Inner::default()),
            timeline: Mutex::new(Timeline {
                seconds: Vec::new(),
                current: None,
            }),
            phase: AtomicI64::new(-1),
            pacer: rate.map(|r| Pacer::new(r, epoch)),
            users: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            sent: AtomicUsize::new(0),
            redirects: AtomicUsize::new(0),
            measure_from: RwLock::new(None),
        })
    }

    /// Starts measuring (after the warm-up), or stops (`None`).
    pub fn set_phase(&self, phase: Option<usize>) {
        self.phase
            .store(phase.map(|p| p as i64).unwrap_or(-1), Ordering::SeqCst);
        if phase.is_some() {
            let mut from = self.measure_from.write().unwrap();
            if from.is_none() {
                *from = Some(Instant::now());
            }
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.epoch.elapsed()
    }

    pub fn user_started(&self) {
        self.users.fetch_add(1, Ordering::Relaxed);
    }

    pub fn users(&self) -> usize {
        self.users.load(Ordering::Relaxed)
    }

    /// Call before sending: waits for the pacer's slot in rate mode; returns when the request
    /// is meant to start.
    pub async fn begin(&self) -> Instant {
        let start = match &self.pacer {
            Some(p) => p.slot().await,
            None => Instant::now(),
        };
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        start
    }

    /// Records one finished request.
    pub fn finish(&self, journey: &str, name: &str, started: Instant, ok: bool, failure: &str) {
        let now = Instant::now();
        let in_flight = self.in_flight.fetch_sub(1, Ordering::Relaxed) as u64;
        self.sent.fetch_add(1, Ordering::Relaxed);
        let latency_us = now.duration_since(started).as_micros() as u64;
        let sec = now.duration_since(self.epoch).as_secs();
        {
            let mut tl = self.timeline.lock().unwrap();
            if tl.current.as_ref().is_none_or(|(s, _, _)| *s != sec) {
                tl.close_current();
                let h = Histogram::new_with_bounds(1, MAX_LATENCY_US, 2).expect("bounds");
                tl.current = Some((
                    sec,
                    h,
                    Second {
                        t: sec,
                        ..Second::default()
                    },
                ));
            }
            let (_, h, s) = tl.current.as_mut().expect("just set");
            s.requests += 1;
            if !ok {
                s.errors += 1;
            }
            s.users = self.users() as u64;
            s.in_flight_max = s.in_flight_max.max(in_flight);
            let _ = h.record(latency_us.clamp(1, MAX_LATENCY_US));
        }
        let phase = self.phase.load(Ordering::SeqCst);
        if phase < 0 {
            return;
        }
        let c = self.correction;
        let mut inner = self.inner.lock().unwrap();
        inner.total.record(latency_us, ok, c);
        record_named(&mut inner.journeys, journey, latency_us, ok, c);
        record_named(&mut inner.requests, name, latency_us, ok, c);
        inner
            .phases
            .entry(phase as usize)
            .or_default()
            .record(latency_us, ok, c);
        if !ok {
            *inner
                .failures
                .entry(format!("{name}: {failure}"))
                .or_insert(0) += 1;
        }
    }

    /// Counts a redirect the client followed (one more HTTP exchange the server saw).
    pub fn redirect_followed(&self) {
        self.redirects.fetch_add(1, Ordering::Relaxed);
    }

    /// Numbers for the progress line: (requests, errors, p95 ms) measured so far.
    pub fn progress(&self) -> (u64, u64, f64) {
        let inner = self.inner.lock().unwrap();
        (
            inner.total.requests,
            inner.total.errors,
            inner.total.corrected.value_at_quantile(0.95) as f64 / 1000.0,
        )
    }

    /// Everything recorded so far.
    pub fn snapshot(&self) -> Snapshot {
        let inner = self.inner.lock().unwrap();
        let mut tl = self.timeline.lock().unwrap();
        tl.close_current();
        let measured_seconds = self
            .measure_from
            .read()
            .unwrap()
            .map(|f| f.elapsed().as_secs_f64())
            .unwrap_or(0.0);
        Snapshot {
            total: inner.total.clone(),
            journeys: inner.journeys.clone(),
            requests: inner.requests.clone(),
            phases: inner.phases.clone(),
            timeline: tl.seconds.clone(),
            failures: inner.failures.clone(),
            measured_seconds,
            sent: self.sent.load(Ordering::Relaxed) as u64,
            redirects: self.redirects.load(Ordering::Relaxed) as u64,
        }
    }
}

/// Records into the series named `key`, looking it up before inserting: no String allocation per
/// request once a name is known.
fn record_named(
    map: &mut BTreeMap<String, Series>,
    key: &str,
    latency_us: u64,
    ok: bool,
    correction: Correction,
) {
    match map.get_mut(key) {
        Some(series) => series.record(latency_us, ok, correction),
        None => {
            let mut series = Series::default();
            series.record(latency_us, ok, correction);
            map.insert(key.to_string(), series);
        }
    }
}

static CURRENT: RwLock<Option<Arc<Recorder>>> = RwLock::new(None);

/// Makes `recorder` the one journeys record into.
pub fn install(recorder: Arc<Recorder>) {
    *CURRENT.write().unwrap() = Some(recorder);
}

/// The recorder of the running attack.
pub fn current() -> Arc<Recorder> {
    CURRENT
        .read()
        .unwrap()
        .clone()
        .expect("a recorder is installed before the attack starts")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_interval_correction_fills_in_a_stall() {
        let mut s = Series::default();
        for _ in 0..99 {
            s.record(1_000, true, Correction::ExpectedInterval);
        }
        // One 1 s stall while the mean interval is ~1 ms: ~1000 synthetic samples.
        s.record(1_000_000, true, Correction::ExpectedInterval);
        assert_eq!(s.raw.len(), 100);
        assert!(s.corrected.len() > 900, "{}", s.corrected.len());
        assert!(s.corrected.value_at_quantile(0.5) > s.raw.value_at_quantile(0.5));
    }

    #[test]
    fn scheduled_correction_records_as_is() {
        let mut s = Series::default();
        s.record(5_000, false, Correction::Scheduled);
        assert_eq!(s.corrected.len(), 1);
        assert_eq!(s.errors, 1);
    }
}
