//! Fault injection for drills, off by default (`NOTEJAM_FAULT_INJECTION=true` turns the admin
//! endpoints on): added latency and an error rate on chosen routes, so dashboards, alerts and the
//! autoscaler can be shown to react. Faults expire on their own.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// One fault as an operator sets it on `PUT /faults` of the admin listener.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// A route template as in `http_route` (`/notes/:id/`, `/api/v1/notes`), or `*` for every route.
    pub route: String,
    /// Latency added before the request is served, in milliseconds (0..=60000).
    #[serde(default)]
    pub latency_ms: u64,
    /// Share of requests answered 503 instead of being served (0.0..=1.0).
    #[serde(default)]
    pub error_rate: f64,
    /// How long the fault lasts, in seconds (1..=3600).
    pub duration_s: u64,
}

impl FaultSpec {
    /// Checks every field; the message names the field at fault.
    pub fn validate(&self) -> Result<(), String> {
        if self.route != "*" && !self.route.starts_with('/') {
            return Err("route must be a route template starting with / or *".into());
        }
        if self.latency_ms > 60_000 {
            return Err("latency_ms must be at most 60000".into());
        }
        if !(0.0..=1.0).contains(&self.error_rate) || self.error_rate.is_nan() {
            return Err("error_rate must be between 0.0 and 1.0".into());
        }
        if !(1..=3600).contains(&self.duration_s) {
            return Err("duration_s must be between 1 and 3600".into());
        }
        if self.latency_ms == 0 && self.error_rate == 0.0 {
            return Err("a fault needs latency_ms or error_rate".into());
        }
        Ok(())
    }
}

#[derive(Debug)]
struct ActiveFault {
    spec: FaultSpec,
    until: Instant,
}

/// What to do to one request.
#[derive(Debug, Default, Clone)]
pub struct FaultDecision {
    pub delay: Option<Duration>,
    pub fail: bool,
    /// The route template of the matching fault (not `*`): the request's `http_route` when it is failed.
    pub route: Option<String>,
}

/// The active faults, shared by the admin endpoints and the HTTP middleware.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    enabled: bool,
    active: Arc<RwLock<Vec<ActiveFault>>>,
}

impl Faults {
    pub fn new(enabled: bool) -> Self {
        Self {
            enabled,
            active: Arc::default(),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Replaces the active faults.
    pub fn set(&self, specs: Vec<FaultSpec>) {
        let now = Instant::now();
        let faults = specs
            .into_iter()
            .map(|spec| ActiveFault {
                until: now + Duration::from_secs(spec.duration_s),
                spec,
            })
            .collect();
        *self.active.write().expect("faults lock") = faults;
    }

    /// The faults still active.
    pub fn list(&self) -> Vec<FaultSpec> {
        let now = Instant::now();
        self.active
            .read()
            .expect("faults lock")
            .iter()
            .filter(|f| f.until > now)
            .map(|f| f.spec.clone())
            .collect()
    }

    /// Decides for a request path: the sum of matching latencies, and a failure drawn at the highest rate.
    pub fn decide(&self, path: &str) -> FaultDecision {
        if !self.enabled {
            return FaultDecision::default();
        }
        let active = self.active.read().expect("faults lock");
        if active.is_empty() {
            return FaultDecision::default();
        }
        let now = Instant::now();
        let mut decision = FaultDecision::default();
        let mut rate: f64 = 0.0;
        for fault in active
            .iter()
            .filter(|f| f.until > now && route_matches(&f.spec.route, path))
        {
            if fault.spec.latency_ms > 0 {
                let d = decision.delay.unwrap_or_default()
                    + Duration::from_millis(fault.spec.latency_ms);
                decision.delay = Some(d);
            }
            rate = rate.max(fault.spec.error_rate);
            if fault.spec.route != "*" && decision.route.is_none() {
                decision.route = Some(fault.spec.route.clone());
            }
        }
        decision.fail = rate > 0.0 && rand::random::<f64>() < rate;
        decision
    }
}

/// Matches a path against a poem route template: `:name` and `{name}` take one segment, `*rest` the remainder.
pub fn route_matches(template: &str, path: &str) -> bool {
    if template == "*" {
        return true;
    }
    let mut t = template.split('/');
    let mut p = path.split('/');
    loop {
        match (t.next(), p.next()) {
            (None, None) => return true,
            (Some(ts), _) if ts.starts_with('*') => return true,
            (Some(ts), Some(ps))
                if ts.starts_with(':') || (ts.starts_with('{') && ts.ends_with('}')) =>
            {
                if ps.is_empty() {
                    return false;
                }
            }
            (Some(ts), Some(ps)) if ts == ps => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_like_the_router() {
        assert!(route_matches("/notes/:id/", "/notes/12/"));
        assert!(!route_matches("/notes/:id/", "/notes/12/edit/"));
        assert!(!route_matches("/notes/:id/", "/notes//"));
        assert!(route_matches("/static/*path", "/static/css/style.css"));
        assert!(route_matches("/api/v1/notes/{id}", "/api/v1/notes/3"));
        assert!(route_matches("*", "/anything"));
        assert!(route_matches("/", "/"));
        assert!(!route_matches("/", "/signin/"));
    }

    #[test]
    fn specs_are_validated() {
        let ok = FaultSpec {
            route: "/".into(),
            latency_ms: 100,
            error_rate: 0.0,
            duration_s: 60,
        };
        assert!(ok.validate().is_ok());
        assert!(
            FaultSpec {
                route: "x".into(),
                ..ok.clone()
            }
            .validate()
            .is_err()
        );
        assert!(
            FaultSpec {
                error_rate: 1.5,
                ..ok.clone()
            }
            .validate()
            .is_err()
        );
        assert!(
            FaultSpec {
                duration_s: 0,
                ..ok.clone()
            }
            .validate()
            .is_err()
        );
        assert!(
            FaultSpec {
                latency_ms: 0,
                error_rate: 0.0,
                ..ok
            }
            .validate()
            .is_err()
        );
    }

    #[test]
    fn decisions_follow_the_active_faults() {
        let faults = Faults::new(true);
        assert!(faults.decide("/").delay.is_none());
        faults.set(vec![FaultSpec {
            route: "/notes/:id/".into(),
            latency_ms: 50,
            error_rate: 1.0,
            duration_s: 60,
        }]);
        let d = faults.decide("/notes/3/");
        assert_eq!(d.delay, Some(Duration::from_millis(50)));
        assert!(d.fail);
        assert!(!faults.decide("/").fail);
        let off = Faults::new(false);
        off.set(vec![FaultSpec {
            route: "*".into(),
            latency_ms: 0,
            error_rate: 1.0,
            duration_s: 60,
        }]);
        assert!(!off.decide("/").fail, "disabled injection never fires");
    }
}
