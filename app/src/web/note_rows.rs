//! The rows of a note list's table, written straight from the notes into one string that
//! `notes_list.hbs` places as `{{{rows}}}`; the table around them stays in the template.
//!
//! The rows are the one part of a page with expressions per note: handlebars looked up, rendered
//! and escaped each of a row's seven expressions separately, about 16,000 instructions a row from
//! a JSON object built for it first (see docs/performance.md), where writing the row is a few
//! hundred.

use std::fmt::Write;

use chrono::{DateTime, Utc};

use crate::domain::{write_rfc3339, write_smart_date};
use crate::service::NoteSummary;
use crate::web::templates::push_escaped;

/// The `<tr>` of each note: its link, its pad's link (or a grey "No pad") when the list has the
/// Pad column (all notes, not one pad's), and when it was last changed.
pub fn note_rows(notes: &[NoteSummary], now: DateTime<Utc>, pad_column: bool) -> String {
    let mut out = String::with_capacity(notes.len() * 200);
    for n in notes {
        let _ = write!(out, "<tr><td class=\"note\"><a href=\"/notes/{}/\">", n.id);
        push_escaped(&mut out, &n.name);
        out.push_str("</a></td>");
        if pad_column {
            out.push_str("<td class=\"pad\">");
            match n.pad_id {
                Some(pad_id) => {
                    let _ = write!(out, "<a href=\"/pads/{pad_id}/\">");
                    push_escaped(&mut out, n.pad_name.as_deref().unwrap_or_default());
                    out.push_str("</a>");
                }
                None => out.push_str("No pad"),
            }
            out.push_str("</td>");
        }
        out.push_str("<td class=\"date\"><time datetime=\"");
        write_rfc3339(&mut out, n.updated_at);
        out.push_str("\">");
        write_smart_date(&mut out, n.updated_at, now);
        out.push_str("</time></td></tr>\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn note(id: i64, name: &str, pad: Option<(i64, &str)>) -> NoteSummary {
        NoteSummary {
            id,
            pad_id: pad.map(|p| p.0),
            pad_name: pad.map(|p| p.1.to_owned()),
            name: name.to_owned(),
            updated_at: Utc.with_ymd_and_hms(2026, 11, 28, 9, 5, 0).unwrap(),
        }
    }

    #[test]
    fn rows_link_escape_and_date_each_note() {
        let now = Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
        let notes = [note(7, "<b>&", Some((3, "P\"ad"))), note(8, "plain", None)];
        assert_eq!(
            note_rows(&notes, now, true),
            "<tr><td class=\"note\"><a href=\"/notes/7/\">&lt;b&gt;&amp;</a></td>\
             <td class=\"pad\"><a href=\"/pads/3/\">P&quot;ad</a></td>\
             <td class=\"date\"><time datetime=\"2026-11-28T09:05:00+00:00\">Today at 09:05</time></td></tr>\n\
             <tr><td class=\"note\"><a href=\"/notes/8/\">plain</a></td><td class=\"pad\">No pad</td>\
             <td class=\"date\"><time datetime=\"2026-11-28T09:05:00+00:00\">Today at 09:05</time></td></tr>\n"
        );
        assert_eq!(
            note_rows(&notes[1..], now, false),
            "<tr><td class=\"note\"><a href=\"/notes/8/\">plain</a></td>\
             <td class=\"date\"><time datetime=\"2026-11-28T09:05:00+00:00\">Today at 09:05</time></td></tr>\n"
        );
    }
}
