//! k6-style thresholds: `METRIC[{journey=NAME}|{request=NAME}] OP LIMIT`.
//!
//! - latency: `p50`, `p90`, `p95`, `p99`, `p99.9`, `max`, `mean`; LIMIT with a unit: `300ms`,
//!   `1s`, `1.5s`, `800us`
//! - `errors`: the share of failed requests; LIMIT `1%` or `0.01`
//! - `rps`: requests per second; `requests`: a count
//! - OP: `<`, `<=`, `>`, `>=`
//! - LIMIT relative to the baseline's normal step: `baseline*1.2` (for `p50`, `p95`, `p99`,
//!   `errors`, `rps`, the figures a baseline holds)
//!
//! Examples: `p95<300ms`, `p99<1s`, `errors<1%`, `rps>200`, `p95{journey=browser}<500ms`,
//! `p95<baseline*1.2`, `rps>=baseline*0.8`.

pub mod expr;
pub mod parse;
pub mod verdict;

pub use self::expr::Limit;
pub use self::parse::parse_all;
pub use self::verdict::{Verdict, evaluate};
