//! Parsing `METRIC[{journey=NAME}|{request=NAME}] OP LIMIT` (see the [module documentation](super)).

use super::expr::{Limit, Metric, Op, Scope, Threshold, ThresholdError};

fn err(expr: &str, why: impl Into<String>) -> ThresholdError {
    ThresholdError {
        expr: expr.into(),
        why: why.into(),
    }
}

/// Parses one threshold expression.
pub fn parse(expr: &str) -> Result<Threshold, ThresholdError> {
    let s: String = expr.chars().filter(|c| !c.is_whitespace()).collect();
    let op_at = s
        .find(['<', '>'])
        .ok_or_else(|| err(expr, "no comparison: use <, <=, > or >= (e.g. p95<300ms)"))?;
    let (lhs, rest) = s.split_at(op_at);
    let (op, rhs) = if let Some(r) = rest.strip_prefix("<=") {
        (Op::Le, r)
    } else if let Some(r) = rest.strip_prefix(">=") {
        (Op::Ge, r)
    } else if let Some(r) = rest.strip_prefix('<') {
        (Op::Lt, r)
    } else {
        (Op::Gt, &rest[1..])
    };
    if rhs.is_empty() {
        return Err(err(expr, "nothing after the comparison"));
    }
    let (name, scope) = match lhs.find('{') {
        None => (lhs, Scope::All),
        Some(i) => {
            let inner = lhs[i + 1..]
                .strip_suffix('}')
                .ok_or_else(|| err(expr, "a '{' without its closing '}'"))?;
            // Whitespace was stripped; request names carry a space after the method.
            let scope = if let Some(j) = inner.strip_prefix("journey=") {
                Scope::Journey(j.to_string())
            } else if let Some(r) = inner.strip_prefix("request=") {
                Scope::Request(request_name(expr).unwrap_or_else(|| r.to_string()))
            } else {
                return Err(err(
                    expr,
                    "the filter must be {journey=NAME} or {request=NAME}",
                ));
            };
            (&lhs[..i], scope)
        }
    };
    let metric = match name {
        "p50" | "median" => Metric::Percentile(50.0),
        "max" => Metric::Max,
        "mean" | "avg" => Metric::Mean,
        "errors" | "error_rate" => Metric::Errors,
        "rps" => Metric::Rps,
        "requests" => Metric::Requests,
        p if p.starts_with('p') => {
            let q: f64 = p[1..]
                .parse()
                .map_err(|_| err(expr, format!("unknown metric {p:?}")))?;
            if !(0.0..100.0).contains(&q) || q == 0.0 {
                return Err(err(expr, "a percentile is between p0 and p100, exclusive"));
            }
            Metric::Percentile(q)
        }
        "" => return Err(err(expr, "no metric before the comparison")),
        other => {
            return Err(err(
                expr,
                format!(
                    "unknown metric {other:?}: use p50, p90, p95, p99, p99.9, max, mean, errors, rps or requests"
                ),
            ));
        }
    };
    let limit = if let Some(f) = rhs.strip_prefix("baseline") {
        let factor = if f.is_empty() {
            1.0
        } else {
            f.strip_prefix('*')
                .and_then(|x| x.parse::<f64>().ok())
                .filter(|x| x.is_finite() && *x > 0.0)
                .ok_or_else(|| {
                    err(
                        expr,
                        "write a relative limit as baseline*FACTOR, e.g. baseline*1.2",
                    )
                })?
        };
        match metric {
            Metric::Percentile(q) if [50.0, 95.0, 99.0].contains(&q) => {}
            Metric::Errors | Metric::Rps => {}
            _ => {
                return Err(err(
                    expr,
                    "a baseline holds only p50, p95, p99, errors and rps",
                ));
            }
        }
        Limit::Baseline(factor)
    } else {
        Limit::Absolute(parse_value(expr, metric, rhs)?)
    };
    Ok(Threshold {
        expr: expr.trim().to_string(),
        metric,
        scope,
        op,
        limit,
    })
}

/// The request name inside `{request=...}`, with its spaces kept.
fn request_name(expr: &str) -> Option<String> {
    let start = expr.find("request=")? + "request=".len();
    let op = expr.find(['<', '>'])?;
    let end = expr[..op].rfind('}')?;
    Some(expr[start..end].trim().to_string())
}

fn parse_value(expr: &str, metric: Metric, v: &str) -> Result<f64, ThresholdError> {
    let num = |x: &str| {
        x.parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && *n >= 0.0)
            .ok_or_else(|| err(expr, format!("{v:?} is not a number")))
    };
    match metric {
        Metric::Percentile(_) | Metric::Max | Metric::Mean => {
            if let Some(x) = v.strip_suffix("ms") {
                num(x)
            } else if let Some(x) = v.strip_suffix("us").or_else(|| v.strip_suffix("µs")) {
                Ok(num(x)? / 1000.0)
            } else if let Some(x) = v.strip_suffix('s') {
                Ok(num(x)? * 1000.0)
            } else {
                Err(err(
                    expr,
                    "a latency needs a unit: ms, s or us (e.g. 300ms)",
                ))
            }
        }
        Metric::Errors => {
            let x = if let Some(p) = v.strip_suffix('%') {
                num(p)? / 100.0
            } else {
                num(v)?
            };
            if x > 1.0 {
                return Err(err(expr, "an error rate is at most 100% (or 1.0)"));
            }
            Ok(x)
        }
        Metric::Rps | Metric::Requests => num(v.strip_suffix("/s").unwrap_or(v)),
    }
}

/// Parses all thresholds; the first malformed one is an error.
pub fn parse_all(exprs: &[String]) -> Result<Vec<Threshold>, ThresholdError> {
    exprs.iter().map(|e| parse(e)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        let t = parse("p95<300ms").unwrap();
        assert_eq!(t.metric, Metric::Percentile(95.0));
        assert_eq!((t.op, t.limit), (Op::Lt, Limit::Absolute(300.0)));
        assert_eq!(parse("p99 < 1s").unwrap().limit, Limit::Absolute(1000.0));
        assert_eq!(parse("p99<1.5s").unwrap().limit, Limit::Absolute(1500.0));
        assert_eq!(parse("p50<800us").unwrap().limit, Limit::Absolute(0.8));
        assert_eq!(parse("errors<1%").unwrap().limit, Limit::Absolute(0.01));
        assert_eq!(parse("errors<=0.05").unwrap().op, Op::Le);
        let rps = parse("rps>200").unwrap();
        assert_eq!(
            (rps.metric, rps.op, rps.limit),
            (Metric::Rps, Op::Gt, Limit::Absolute(200.0))
        );
        assert_eq!(
            parse("rps>=baseline*0.8").unwrap().limit,
            Limit::Baseline(0.8)
        );
        assert_eq!(
            parse("p95<baseline*1.2").unwrap().limit,
            Limit::Baseline(1.2)
        );
        assert_eq!(parse("p99.9<2s").unwrap().metric, Metric::Percentile(99.9));
        assert_eq!(
            parse("p95{journey=browser}<500ms").unwrap().scope,
            Scope::Journey("browser".into())
        );
        assert_eq!(
            parse("p95{request=GET /notes/{id}/}<500ms").unwrap().scope,
            Scope::Request("GET /notes/{id}/".into())
        );
        assert_eq!(
            parse("p95{journey=browser<500ms").unwrap_err().why,
            "a '{' without its closing '}'"
        );
        assert_eq!(
            parse("max{request=GET /}<2s").unwrap().scope,
            Scope::Request("GET /".into())
        );
    }

    #[test]
    fn rejects_malformed_ones_with_a_reason() {
        for (bad, why) in [
            ("p95", "no comparison"),
            ("p95<", "nothing after"),
            ("p95<300", "needs a unit"),
            ("p95<fast", "needs a unit"),
            ("p95<fasts", "not a number"),
            ("latency<300ms", "unknown metric"),
            ("p150<1s", "between p0 and p100"),
            ("errors<150%", "at most 100%"),
            ("errors<-1%", "not a number"),
            ("max<baseline*1.2", "a baseline holds only"),
            ("p95<baseline*x", "baseline*FACTOR"),
            ("p95{pod=a}<1s", "filter must be"),
            ("<300ms", "no metric"),
        ] {
            let e = parse(bad).unwrap_err();
            assert!(e.why.contains(why), "{bad}: {}", e.why);
            assert!(e.to_string().contains(bad));
        }
    }
}
