//! Logs and traces. Logs are JSON lines on stdout, filtered by `RUST_LOG`, each carrying the
//! `trace_id` and `span_id` of the request it belongs to. Traces are exported over OTLP/HTTP when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` (or `..._TRACES_ENDPOINT`) is set; configured only by the standard
//! `OTEL_*` variables, which are checked at start so that a value that makes no sense is an error.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use metrics::counter;
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{
    BatchConfigBuilder, BatchSpanProcessor, SdkTracerProvider, Span, SpanData, SpanExporter,
    SpanProcessor,
};
use tracing::{Level, Subscriber};
use tracing_subscriber::filter::{self, LevelFilter};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::{EnvFilter, Layer, layer::SubscriberExt, util::SubscriberInitExt};

/// A wrong `OTEL_*` value.
#[derive(Debug, thiserror::Error)]
#[error("invalid {variable}={value:?}: {reason}")]
pub struct OtelConfigError {
    pub variable: String,
    pub value: String,
    pub reason: &'static str,
}

/// Reads and checks the `OTEL_*` variables this service honours; `Ok(None)` means export is off.
pub fn otel_endpoint_from_env() -> Result<Option<String>, OtelConfigError> {
    otel_endpoint_from(|name| std::env::var(name).ok())
}

fn otel_endpoint_from(
    get: impl Fn(&str) -> Option<String>,
) -> Result<Option<String>, OtelConfigError> {
    let bad = |variable: &str, value: &str, reason| OtelConfigError {
        variable: variable.into(),
        value: value.into(),
        reason,
    };
    if let Some(v) = get("OTEL_SDK_DISABLED") {
        match v.trim().to_ascii_lowercase().as_str() {
            "true" => return Ok(None),
            "false" | "" => {}
            _ => return Err(bad("OTEL_SDK_DISABLED", &v, "must be true or false")),
        }
    }
    if let Some(v) =
        get("OTEL_EXPORTER_OTLP_PROTOCOL").or_else(|| get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"))
        && v != "http/protobuf"
    {
        return Err(bad(
            "OTEL_EXPORTER_OTLP_PROTOCOL",
            &v,
            "this build exports http/protobuf only",
        ));
    }
    if let Some(v) = get("OTEL_TRACES_SAMPLER") {
        const KNOWN: &[&str] = &[
            "always_on",
            "always_off",
            "traceidratio",
            "parentbased_always_on",
            "parentbased_always_off",
            "parentbased_traceidratio",
        ];
        if !KNOWN.contains(&v.as_str()) {
            return Err(bad(
                "OTEL_TRACES_SAMPLER",
                &v,
                "must be always_on, always_off, traceidratio or a parentbased_ one",
            ));
        }
        if v.ends_with("traceidratio") {
            let arg = get("OTEL_TRACES_SAMPLER_ARG").unwrap_or_default();
            if !arg.parse::<f64>().is_ok_and(|r| (0.0..=1.0).contains(&r)) {
                return Err(bad(
                    "OTEL_TRACES_SAMPLER_ARG",
                    &arg,
                    "must be a ratio between 0 and 1",
                ));
            }
        }
    }
    for name in [
        "OTEL_EXPORTER_OTLP_TIMEOUT",
        "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
        "OTEL_BSP_SCHEDULE_DELAY",
        "OTEL_BSP_EXPORT_TIMEOUT",
        "OTEL_BSP_MAX_QUEUE_SIZE",
        "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
    ] {
        if let Some(v) = get(name)
            && !v.parse::<u64>().is_ok_and(|n| n > 0)
        {
            return Err(bad(name, &v, "must be a positive integer"));
        }
    }
    if let Some(v) = get("OTEL_SERVICE_NAME")
        && v.trim().is_empty()
    {
        return Err(bad("OTEL_SERVICE_NAME", &v, "must not be empty"));
    }
    let (name, endpoint) = match (
        get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
        get("OTEL_EXPORTER_OTLP_ENDPOINT"),
    ) {
        (Some(e), _) if !e.is_empty() => ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", e),
        (_, Some(e)) if !e.is_empty() => ("OTEL_EXPORTER_OTLP_ENDPOINT", e),
        _ => return Ok(None),
    };
    match url::Url::parse(&endpoint) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(Some(endpoint)),
        _ => Err(bad(name, &endpoint, "must be an http:// or https:// URL")),
    }
}

/// Counts what the OTLP exporter delivers and drops; the batch processor never blocks a request,
/// and a batch the collector cannot take is dropped (and counted), not retried forever.
#[derive(Debug)]
struct CountingExporter<E> {
    inner: E,
    /// Spans handed to the batch processor and not yet through an export (see [`BoundedQueue`]).
    queued: Arc<AtomicUsize>,
}

impl<E: SpanExporter> SpanExporter for CountingExporter<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let n = batch.len();
        let result = self.inner.export(batch).await;
        self.queued.fetch_sub(n, Ordering::AcqRel);
        match &result {
            Ok(()) => counter!("notejam_otel_spans_exported_total").increment(n as u64),
            Err(_) => counter!("notejam_otel_spans_dropped_total").increment(n as u64),
        }
        result
    }
    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }
    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

/// The batch processor with its queue bound kept here, so that every dropped span is counted.
///
/// The SDK's processor drops a span silently (a counter it does not expose) when its queue is
/// full, which is what happens when the collector is slow or hangs rather than refusing
/// connections. This wrapper admits at most `capacity` spans between `on_end` and the end of
/// their export (the SDK queue has the same capacity, and spans being exported have already left
/// it, so the SDK never finds it full); a span beyond that is dropped here and counted in
/// `notejam_otel_spans_dropped_total`. Never blocks the request that ends the span.
#[derive(Debug)]
struct BoundedQueue {
    inner: BatchSpanProcessor,
    queued: Arc<AtomicUsize>,
    capacity: usize,
}

impl SpanProcessor for BoundedQueue {
    fn on_start(&self, span: &mut Span, cx: &opentelemetry::Context) {
        self.inner.on_start(span, cx);
    }
    fn on_end(&self, span: SpanData) {
        if !span.span_context.is_sampled() {
            return; // the batch processor exports sampled spans only
        }
        if self.queued.fetch_add(1, Ordering::AcqRel) >= self.capacity {
            self.queued.fetch_sub(1, Ordering::AcqRel);
            counter!("notejam_otel_spans_dropped_total").increment(1);
            return;
        }
        self.inner.on_end(span);
    }
    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }
    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }
    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

/// `OTEL_BSP_MAX_QUEUE_SIZE` (validated at start by [`otel_endpoint_from_env`]), else the SDK's default.
fn max_queue_size() -> usize {
    std::env::var("OTEL_BSP_MAX_QUEUE_SIZE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(opentelemetry_sdk::trace::OTEL_BSP_MAX_QUEUE_SIZE_DEFAULT)
}

static PROVIDER: OnceLock<SdkTracerProvider> = OnceLock::new();

/// Installs the global subscriber once (later calls, e.g. from tests, are ignored): the log filter,
/// the OpenTelemetry layer (exporting when an endpoint is set) and the JSON formatter.
pub fn init(filter: &str, otlp_endpoint: Option<&str>) -> anyhow::Result<()> {
    if PROVIDER.get().is_some() {
        return Ok(());
    }
    let filter = EnvFilter::try_new(filter)
        .map_err(|e| anyhow::anyhow!("invalid RUST_LOG {filter:?}: {e}"))?;
    let service = std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| "notejam".into());
    let mut builder = SdkTracerProvider::builder()
        .with_resource(Resource::builder().with_service_name(service).build());
    if otlp_endpoint.is_some() {
        // The exporter reads the endpoint, headers and timeout from the OTEL_* variables itself.
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .build()?;
        let queued = Arc::new(AtomicUsize::new(0));
        let capacity = max_queue_size();
        // The other OTEL_BSP_* settings are read from the environment by the builder.
        let config = BatchConfigBuilder::default()
            .with_max_queue_size(capacity)
            .build();
        let batch = BatchSpanProcessor::builder(CountingExporter {
            inner: exporter,
            queued: queued.clone(),
        })
        .with_batch_config(config)
        .build();
        builder = builder.with_span_processor(BoundedQueue {
            inner: batch,
            queued,
            capacity,
        });
    }
    let provider = builder.build();
    let tracer = provider.tracer("notejam");
    // Traces and logs are filtered apart: RUST_LOG quiets the logs, never the traces (their
    // volume is the sampler's business, OTEL_TRACES_SAMPLER). The trace layer takes our spans
    // (all at INFO) and the warnings and errors inside them; the request log line and the
    // other INFO events stay out of the exported spans.
    let otel = tracing_opentelemetry::layer()
        .with_tracer(tracer)
        .with_tracked_inactivity(false)
        .with_filter(
            filter::filter_fn(|meta| {
                *meta.level() <= Level::INFO && (meta.is_span() || *meta.level() <= Level::WARN)
            })
            // Without the hint the subscriber's maximum level is TRACE, and every `log::debug!`
            // of a dependency (handlebars has many per render) is dispatched and then dropped.
            .with_max_level_hint(LevelFilter::INFO),
        );
    let installed = tracing_subscriber::registry()
        .with(otel)
        .with(json_logs().with_filter(filter))
        .try_init();
    if installed.is_ok() {
        let _ = PROVIDER.set(provider);
    }
    Ok(())
}

/// Only logs, no trace export: for commands that serve nothing (`migrate`) and for tests.
pub fn init_subscriber(filter: &str) {
    let _ = init(filter, None);
}

/// Flushes and stops the trace exporter (at shutdown).
pub fn shutdown() {
    if let Some(provider) = PROVIDER.get() {
        let _ = provider.shutdown();
    }
}

/// The log layer: JSON lines (json-subscriber) with timestamp, level, target, the event's fields
/// at the top level (`message` among them), and the `trace_id` and `span_id` of the current span.
fn json_logs<S>() -> json_subscriber::JsonLayer<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let mut layer = json_subscriber::JsonLayer::stdout();
    layer
        .with_timer("timestamp", tracing_subscriber::fmt::time::SystemTime)
        .with_level("level")
        .with_target("target")
        .with_flattened_event();
    layer.add_dynamic_field("trace_id", |_, _| current_ids().map(|(trace, _)| trace));
    layer.add_dynamic_field("span_id", |_, _| current_ids().map(|(_, span)| span));
    layer
}

/// The OpenTelemetry ids of the dispatcher's current span. Not the layer context's current span:
/// the log layer's filter may hide the request span (RUST_LOG=warn) that the trace layer keeps.
fn current_ids() -> Option<(String, String)> {
    let cx = tracing::dispatcher::get_default(|d| {
        d.current_span()
            .id()
            .and_then(|id| tracing_opentelemetry::get_otel_context(id, d))
    })?;
    let sc = cx.span().span_context().clone();
    sc.is_valid()
        .then(|| (sc.trace_id().to_string(), sc.span_id().to_string()))
}

#[cfg(test)]
mod tests {
    use super::otel_endpoint_from;
    use std::collections::HashMap;

    fn check(vars: &[(&str, &str)]) -> Result<Option<String>, String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        otel_endpoint_from(|k| map.get(k).cloned()).map_err(|e| e.to_string())
    }

    #[test]
    fn export_is_off_without_an_endpoint() {
        assert_eq!(check(&[]).unwrap(), None);
        assert_eq!(
            check(&[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"),
                ("OTEL_SDK_DISABLED", "true")
            ])
            .unwrap(),
            None
        );
        assert_eq!(
            check(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")])
                .unwrap()
                .as_deref(),
            Some("http://127.0.0.1:4318")
        );
    }

    #[test]
    fn nonsense_is_a_clear_error() {
        for (k, v) in [
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "localhost:4318"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_TRACES_SAMPLER", "sometimes"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "soon"),
            ("OTEL_SDK_DISABLED", "maybe"),
            ("OTEL_SERVICE_NAME", " "),
        ] {
            let err = check(&[(k, v)]).unwrap_err();
            assert!(err.contains(k), "{err}");
        }
        let err = check(&[
            ("OTEL_TRACES_SAMPLER", "traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "2"),
        ])
        .unwrap_err();
        assert!(err.contains("OTEL_TRACES_SAMPLER_ARG"), "{err}");
    }
}
