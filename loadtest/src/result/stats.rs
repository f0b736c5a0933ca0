//! Counts, rates and latency percentiles of one series, and its exact histograms (HDR V2 +
//! deflate, base64) so `merge` can add shards' histograms without losing precision.

use anyhow::{Context, Result};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use serde::{Deserialize, Serialize};

use crate::recorder::{self, Series};

/// Latency percentiles in milliseconds (microsecond resolution).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Latency {
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
    pub mean: f64,
}

impl Latency {
    pub fn of(h: &Histogram<u64>) -> Self {
        if h.is_empty() {
            return Latency::default();
        }
        let q = |x: f64| h.value_at_quantile(x) as f64 / 1000.0;
        Latency {
            p50: q(0.50),
            p90: q(0.90),
            p95: q(0.95),
            p99: q(0.99),
            p999: q(0.999),
            max: h.max() as f64 / 1000.0,
            mean: (h.mean() / 1000.0 * 1000.0).round() / 1000.0,
        }
    }
}

/// Counts, rates and latency of one series.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Stats {
    pub requests: u64,
    pub errors: u64,
    pub error_rate: f64,
    pub requests_per_second: f64,
    /// With coordinated-omission correction: what the gate judges.
    pub latency_ms: Latency,
    /// Without correction (service time).
    pub latency_uncorrected_ms: Latency,
    pub histogram: String,
    pub histogram_uncorrected: String,
}

impl Stats {
    pub fn from_series(s: &Series, seconds: f64) -> Result<Self> {
        Ok(Stats {
            requests: s.requests,
            errors: s.errors,
            error_rate: if s.requests == 0 {
                0.0
            } else {
                s.errors as f64 / s.requests as f64
            },
            requests_per_second: if seconds > 0.0 {
                s.requests as f64 / seconds
            } else {
                0.0
            },
            latency_ms: Latency::of(&s.corrected),
            latency_uncorrected_ms: Latency::of(&s.raw),
            histogram: encode(&s.corrected)?,
            histogram_uncorrected: encode(&s.raw)?,
        })
    }

    /// The histograms back, for merging.
    pub fn histograms(&self) -> Result<(Histogram<u64>, Histogram<u64>)> {
        Ok((
            decode(&self.histogram)?,
            decode(&self.histogram_uncorrected)?,
        ))
    }
}

/// Encodes a histogram as base64 of the HDR V2 + deflate format.
pub fn encode(h: &Histogram<u64>) -> Result<String> {
    let mut buf = Vec::new();
    V2DeflateSerializer::new()
        .serialize(h, &mut buf)
        .map_err(|e| anyhow::anyhow!("cannot serialize a histogram: {e:?}"))?;
    Ok(B64.encode(buf))
}

/// Decodes what [`encode`] wrote.
pub fn decode(s: &str) -> Result<Histogram<u64>> {
    let bytes = B64.decode(s).context("a histogram is not valid base64")?;
    let h: Histogram<u64> = Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(|e| anyhow::anyhow!("a histogram does not decode: {e:?}"))?;
    let mut out = recorder::new_histogram();
    out.add(&h)
        .map_err(|e| anyhow::anyhow!("a histogram is out of range: {e:?}"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_survive_encoding() {
        let mut h = recorder::new_histogram();
        for v in [100, 2_000, 35_000, 1_234_567] {
            h.record(v).unwrap();
        }
        let back = decode(&encode(&h).unwrap()).unwrap();
        assert_eq!(back, h);
    }
}
