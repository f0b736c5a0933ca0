//! Escaping for HTML and XML text and attributes.

/// Escapes `& < > "` and drops control characters (not XML).
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        // Control characters (a terminal colour code in an error message) are not XML.
        .replace(
            |c: char| c.is_control() && !matches!(c, '\n' | '\t' | '\r'),
            "",
        )
}
