//! ETags and `If-Match`: a pad's or note's ETag is its version, which every write bumps, so a
//! client that sends the ETag it read back in `If-Match` gets 412 instead of overwriting a change
//! it has not seen.

pub use crate::service::Precondition;

/// The strong ETag of a version: `"v7"`.
pub fn of(version: i64) -> String {
    format!("\"v{version}\"")
}

/// Parses an `If-Match` header (RFC 9110 §13.1.1). With several ETags of ours, the first one is
/// used: a resource has one current version, so a list can only match through one of them.
pub fn parse_if_match(header: Option<&str>) -> Precondition {
    let Some(value) = header.map(str::trim).filter(|v| !v.is_empty()) else {
        return Precondition::Any;
    };
    if value == "*" {
        return Precondition::Any;
    }
    value
        .split(',')
        .map(str::trim)
        // Weak ETags never match in If-Match (strong comparison).
        .filter(|tag| !tag.starts_with("W/"))
        .find_map(|tag| {
            tag.strip_prefix("\"v")?
                .strip_suffix('"')?
                .parse::<i64>()
                .ok()
                .filter(|v| *v > 0)
        })
        .map_or(Precondition::Never, Precondition::Version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_values() {
        assert_eq!(parse_if_match(None), Precondition::Any);
        assert_eq!(parse_if_match(Some("*")), Precondition::Any);
        assert_eq!(parse_if_match(Some(&of(3))), Precondition::Version(3));
        assert_eq!(
            parse_if_match(Some("\"x\", \"v4\"")),
            Precondition::Version(4)
        );
        assert_eq!(parse_if_match(Some("W/\"v4\"")), Precondition::Never);
        assert_eq!(parse_if_match(Some("v4")), Precondition::Never);
        assert_eq!(parse_if_match(Some("\"v-1\"")), Precondition::Never);
    }
}
