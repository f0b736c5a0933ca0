//! The simulated Deployment: pods that take `startup` seconds from being asked for to serving.
//! A scale-down removes pods that are not ready yet first, as a ReplicaSet does.

/// The pods of one simulated Deployment, by the time each becomes ready.
#[derive(Clone, Debug)]
pub struct Deployment {
    ready_at: Vec<i64>,
    startup: i64,
}

impl Deployment {
    /// `replicas` pods, all ready at `now`.
    pub fn new(replicas: u32, now: i64, startup_seconds: u32) -> Self {
        Self {
            ready_at: vec![now; replicas as usize],
            startup: i64::from(startup_seconds),
        }
    }

    /// `spec.replicas`: every pod, starting or serving (what costs money).
    pub fn current(&self) -> u32 {
        self.ready_at.len() as u32
    }

    /// Pods serving at `now`.
    pub fn ready(&self, now: i64) -> u32 {
        self.ready_at.iter().filter(|t| **t <= now).count() as u32
    }

    /// Set `spec.replicas` to `desired` at `now`: new pods serve from `now + startup`; removed
    /// pods are the ones that would be ready last.
    pub fn scale(&mut self, desired: u32, now: i64) {
        let desired = desired as usize;
        if desired > self.ready_at.len() {
            let at = now + self.startup;
            self.ready_at.resize(desired, at);
        } else {
            self.ready_at.sort_unstable();
            self.ready_at.truncate(desired);
        }
    }

    /// The ready count over `[from, to)`, as `(seconds, ready pods)` pieces in time order.
    pub fn ready_pieces(&self, from: i64, to: i64) -> Vec<(i64, u32)> {
        let mut edges: Vec<i64> = self
            .ready_at
            .iter()
            .copied()
            .filter(|t| *t > from && *t < to)
            .collect();
        edges.sort_unstable();
        edges.dedup();
        let mut pieces = Vec::with_capacity(edges.len() + 1);
        let mut start = from;
        for e in edges.into_iter().chain(std::iter::once(to)) {
            if e > start {
                pieces.push((e - start, self.ready(start)));
            }
            start = e;
        }
        pieces
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_pods_serve_after_the_startup_delay_and_unready_ones_go_first() {
        let mut d = Deployment::new(2, 0, 40);
        d.scale(5, 100);
        assert_eq!(
            (d.current(), d.ready(100), d.ready(139), d.ready(140)),
            (5, 2, 2, 5)
        );
        assert_eq!(d.ready_pieces(100, 160), vec![(40, 2), (20, 5)]);
        d.scale(3, 120);
        assert_eq!((d.current(), d.ready(120), d.ready(140)), (3, 2, 3));
        d.scale(1, 200);
        assert_eq!((d.current(), d.ready(200)), (1, 1));
    }
}
