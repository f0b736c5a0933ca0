//! The report's line charts, as inline SVG.

use std::fmt::Write as _;

use super::escape::esc;

/// A named, coloured line of (x, y) points.
pub type Line<'a> = (&'a str, &'a str, Vec<(f64, f64)>);

/// A line chart as inline SVG: one polyline per series of (x, y).
pub fn svg_chart(title: &str, y_unit: &str, series: &[Line<'_>]) -> String {
    let (w, h, pad) = (640.0, 220.0, 44.0);
    let pts: Vec<&(f64, f64)> = series.iter().flat_map(|s| s.2.iter()).collect();
    let xmax = pts.iter().map(|p| p.0).fold(1.0, f64::max);
    let ymax = pts.iter().map(|p| p.1).fold(0.0, f64::max).max(1e-9) * 1.1;
    let mut o = format!(
        r##"<figure><figcaption>{}</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{}"><rect width="{w}" height="{h}" fill="#fff"/>"##,
        esc(title),
        esc(title)
    );
    for i in 0..=4 {
        let y = pad / 2.0 + (h - pad) * i as f64 / 4.0;
        let v = ymax * (4 - i) as f64 / 4.0;
        let _ = write!(
            o,
            r##"<line x1="{pad}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" font-size="10" text-anchor="end">{v:.1}</text>"##,
            w - 10.0,
            pad - 4.0,
            y + 3.0
        );
    }
    let _ = write!(
        o,
        r#"<text x="{pad}" y="{}" font-size="10">0 s</text><text x="{}" y="{}" font-size="10" text-anchor="end">{xmax:.0} s</text><text x="4" y="12" font-size="10">{}</text>"#,
        h - 4.0,
        w - 10.0,
        h - 4.0,
        esc(y_unit)
    );
    for (i, (name, color, data)) in series.iter().enumerate() {
        let line: Vec<String> = data
            .iter()
            .map(|(x, y)| {
                format!(
                    "{:.1},{:.1}",
                    pad + (w - pad - 10.0) * x / xmax,
                    pad / 2.0 + (h - pad) * (1.0 - y / ymax)
                )
            })
            .collect();
        let _ = write!(
            o,
            r#"<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{}"/><text x="{}" y="12" font-size="11" fill="{color}">{}</text>"#,
            line.join(" "),
            pad + 10.0 + 190.0 * i as f64,
            esc(name)
        );
    }
    o.push_str("</svg></figure>");
    o
}
