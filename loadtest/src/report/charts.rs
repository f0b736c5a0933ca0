//! The HTML report's line charts, drawn by `plotters` into inline SVG: throughput and errors,
//! latency percentiles and connections per second, and for a ramp, requests/s and p95 by users.

use anyhow::{Result, anyhow};
use plotters::prelude::*;

use crate::recorder::Second;
use crate::result::RunResult;

/// Size of every chart, pixels.
const SIZE: (u32, u32) = (640, 240);

const BLUE: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
const ORANGE: RGBColor = RGBColor(0xff, 0x7f, 0x0e);
const GREEN: RGBColor = RGBColor(0x2c, 0xa0, 0x2c);
const RED: RGBColor = RGBColor(0xd6, 0x27, 0x28);
const PURPLE: RGBColor = RGBColor(0x94, 0x67, 0xbd);
const BROWN: RGBColor = RGBColor(0x8c, 0x56, 0x4b);
const CYAN: RGBColor = RGBColor(0x17, 0xbe, 0xcf);

/// A named, coloured line of (x, y) points.
pub struct Line<'a> {
    pub name: &'a str,
    pub color: RGBColor,
    pub points: Vec<(f64, f64)>,
}

/// A drawn chart: its title (the page's caption for it) and its SVG.
pub struct Chart {
    pub title: &'static str,
    pub svg: String,
}

/// One chart of these lines, x from 0 and y from 0, each axis described.
pub fn chart(title: &'static str, x_desc: &str, y_desc: &str, lines: &[Line<'_>]) -> Result<Chart> {
    let all = || lines.iter().flat_map(|l| l.points.iter());
    let xmax = all().map(|p| p.0).fold(1.0, f64::max);
    let ymax = all().map(|p| p.1).fold(0.0, f64::max).max(1e-9) * 1.1;
    let mut svg = String::new();
    {
        let fail = |e: &dyn std::fmt::Display| anyhow!("cannot draw the chart {title:?}: {e}");
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..xmax, 0.0..ymax)
            .map_err(|e| fail(&e))?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .x_desc(x_desc)
            .y_desc(y_desc)
            .label_style(("sans-serif", 11))
            .draw()
            .map_err(|e| fail(&e))?;
        for line in lines {
            let color = line.color;
            chart
                .draw_series(LineSeries::new(
                    line.points.iter().copied(),
                    color.stroke_width(2),
                ))
                .map_err(|e| fail(&e))?
                .label(line.name)
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], color));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK.mix(0.3))
            .label_font(("sans-serif", 11))
            .draw()
            .map_err(|e| fail(&e))?;
        root.present().map_err(|e| fail(&e))?;
    }
    Ok(Chart { title, svg })
}

/// Every chart of a run, in the order the report shows them.
pub fn charts(run: &RunResult) -> Result<Vec<Chart>> {
    let xy = |f: fn(&Second) -> f64| -> Vec<(f64, f64)> {
        run.timeline.iter().map(|s| (s.t as f64, f(s))).collect()
    };
    let line = |name, color, points| Line {
        name,
        color,
        points,
    };
    let mut out = vec![chart(
        "Throughput (requests per second) and errors",
        "seconds",
        "req/s",
        &[
            line("requests/s", BLUE, xy(|s| s.requests as f64)),
            line("errors/s", RED, xy(|s| s.errors as f64)),
        ],
    )?];
    out.push(chart(
        "Latency percentiles per second (ms, uncorrected)",
        "seconds",
        "ms",
        &[
            line("p50", GREEN, xy(|s| s.p50_ms)),
            line("p95", ORANGE, xy(|s| s.p95_ms)),
            line("p99", RED, xy(|s| s.p99_ms)),
        ],
    )?);
    let mut connections = vec![
        line("users (client connections)", PURPLE, xy(|s| s.users as f64)),
        line(
            "requests in flight (max)",
            BROWN,
            xy(|s| s.in_flight_max as f64),
        ),
    ];
    if let Some(server) = &run.server {
        connections.push(line(
            "server open connections",
            CYAN,
            server.open_connections.clone(),
        ));
    }
    out.push(chart("Connections", "seconds", "count", &connections)?);
    if !run.steps.is_empty() {
        let by_users = |f: fn(&crate::result::StepResult) -> f64| -> Vec<(f64, f64)> {
            run.steps.iter().map(|s| (s.users as f64, f(s))).collect()
        };
        out.push(chart(
            "Ramp: req/s by users (x = users)",
            "users",
            "req/s",
            &[line(
                "req/s",
                BLUE,
                by_users(|s| s.stats.requests_per_second),
            )],
        )?);
        out.push(chart(
            "Ramp: p95 by users (x = users)",
            "users",
            "ms",
            &[line("p95", ORANGE, by_users(|s| s.stats.latency_ms.p95))],
        )?);
    }
    Ok(out)
}
