//! The load shape of each family: open connections over time, with its seeded randomness.

use std::f64::consts::TAU;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, LogNormal, Normal, Pareto};

use super::{Family, Point};

const DAY: i64 = 86_400;

/// A quiet hour's connections: 2-3 pods' worth at 40 per pod.
fn base(rng: &mut ChaCha8Rng) -> f64 {
    rng.random_range(80.0..130.0)
}

/// Smooth step from 0 to 1 over `[start, start + width]`.
fn ramp(t: f64, start: f64, width: f64) -> f64 {
    ((t - start) / width.max(1.0)).clamp(0.0, 1.0)
}

/// A plateau of height 1 from `start` to `end`, with ramps of `up` and `down` seconds.
fn plateau(t: f64, start: f64, end: f64, up: f64, down: f64) -> f64 {
    ramp(t, start, up) * (1.0 - ramp(t, end, down))
}

/// A daily cycle between 1 and `peak`, highest at 14:00, lowest at 02:00.
fn daily(t: i64, peak: f64) -> f64 {
    let phase = (t.rem_euclid(DAY) as f64 / DAY as f64 - 14.0 / 24.0) * TAU;
    1.0 + (peak - 1.0) * (1.0 + phase.cos()) / 2.0
}

fn times(duration: i64, step: i64) -> impl Iterator<Item = i64> {
    (0..=duration / step).map(move |i| i * step)
}

fn visible(time: i64, connections: f64) -> Point {
    Point {
        time,
        connections,
        hidden: (false, false),
    }
}

/// The points of one trace of `family`.
pub(super) fn points(family: Family, rng: &mut ChaCha8Rng) -> Vec<Point> {
    let b = base(rng);
    match family {
        Family::Spike | Family::OutageOneSource | Family::OutageBothSources => {
            let factor = match family {
                Family::Spike => rng.random_range(2.0..10.0),
                _ => rng.random_range(3.0..6.0),
            };
            let start = rng.random_range(1800.0..3600.0);
            let length = rng.random_range(600.0..1800.0);
            let up = rng.random_range(15.0..60.0);
            let down = rng.random_range(60.0..180.0);
            let jitter = Normal::new(0.0, 0.08).expect("a valid normal");
            // The outage starts a few minutes into the spike and lasts 10-20 minutes.
            let gap_start = (start + rng.random_range(120.0..300.0)) as i64;
            let gap_end = gap_start + rng.random_range(600..1200);
            times(7200, 15)
                .map(|t| {
                    let x = t as f64;
                    let high = plateau(x, start, start + length, up, down);
                    let c = b * (1.0 + (factor - 1.0) * high) * (1.0 + jitter.sample(rng));
                    let out = (gap_start..gap_end).contains(&t);
                    let hidden = match family {
                        Family::OutageOneSource => (out, false),
                        Family::OutageBothSources => (out, out),
                        _ => (false, false),
                    };
                    Point {
                        time: t,
                        connections: c,
                        hidden,
                    }
                })
                .collect()
        }
        Family::FlashCrowd => {
            let factor = rng.random_range(5.0..10.0);
            let start = rng.random_range(900.0..2400.0);
            let length = rng.random_range(30.0..120.0);
            times(3600, 15)
                .map(|t| {
                    let crowd = plateau(t as f64, start, start + length, 10.0, 20.0);
                    visible(t, b * (1.0 + (factor - 1.0) * crowd))
                })
                .collect()
        }
        Family::SlowRamp => {
            let factor = rng.random_range(3.0..5.0);
            let start = rng.random_range(600.0..1800.0);
            let up = rng.random_range(1800.0..5400.0);
            let hold = 1800.0;
            let down = rng.random_range(1800.0..3600.0);
            times(3 * 3600 + 3600, 15)
                .map(|t| {
                    let x = t as f64;
                    let level = plateau(x, start, start + up + hold, up, down);
                    visible(t, b * (1.0 + (factor - 1.0) * level))
                })
                .collect()
        }
        Family::Daily => {
            let peak = rng.random_range(4.0..6.0);
            let day = Normal::new(1.0, 0.05).expect("a valid normal");
            let scale: Vec<f64> = (0..9).map(|_| day.sample(rng)).collect();
            times(9 * DAY - 60, 60)
                .map(|t| visible(t, b * daily(t, peak) * scale[(t / DAY) as usize]))
                .collect()
        }
        Family::Weekly => {
            let peak = rng.random_range(4.0..6.0);
            let weekend = rng.random_range(0.3..0.5);
            times(15 * DAY - 60, 60)
                .map(|t| {
                    // Day 0 is a Monday: days 5 and 6 of each week are quiet.
                    let quiet = matches!((t / DAY) % 7, 5 | 6);
                    let f = if quiet { weekend } else { 1.0 };
                    visible(t, b * (1.0 + (daily(t, peak) - 1.0) * f))
                })
                .collect()
        }
        Family::NoisyPlateau => {
            let level = rng.random_range(150.0..400.0);
            let mut swing_until = 0;
            let mut swing = 0.0;
            times(3 * 3600, 15)
                .map(|t| {
                    if t >= swing_until {
                        swing = rng.random_range(-0.3..0.3);
                        swing_until = t + rng.random_range(240..480);
                    }
                    visible(t, level * (1.0 + swing))
                })
                .collect()
        }
        Family::LongTailWeek => {
            let peak = rng.random_range(3.0..5.0);
            let gap: Exp<f64> = Exp::new(1.0 / 10_800.0).expect("a valid rate");
            let size: Pareto<f64> = Pareto::new(1.0, 1.5).expect("a valid Pareto");
            let length: LogNormal<f64> =
                LogNormal::new((300.0f64).ln(), 0.8).expect("a valid log-normal");
            let mut bursts: Vec<(i64, i64, f64)> = Vec::new();
            let mut at = 0.0;
            loop {
                at += gap.sample(rng);
                if at > (7 * DAY) as f64 {
                    break;
                }
                let extra = (size.sample(rng) - 1.0).min(6.0);
                let secs = length.sample(rng).clamp(60.0, 3600.0);
                bursts.push((at as i64, (at + secs) as i64, extra));
            }
            times(7 * DAY - 60, 60)
                .map(|t| {
                    let extra: f64 = bursts
                        .iter()
                        .filter(|(s, e, _)| (*s..*e).contains(&t))
                        .map(|(_, _, x)| x)
                        .sum();
                    visible(t, b * (daily(t, peak) + extra))
                })
                .collect()
        }
    }
}
