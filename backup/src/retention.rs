//! Which kept copies to prune: grandfather-father-son over the copies' dates, a pure function.
//!
//! RDS allows 100 manual snapshots per region and account by default, so one copy a day for
//! 3 years (1095) cannot be kept. Instead:
//! - **daily**: every copy younger than `daily_days` (default 35) is kept;
//! - **monthly**: of each calendar month, the earliest copy still younger than `monthly_days`
//!   (1095, 3 years) is kept as that month's restore point;
//! - everything else of ours is pruned, except the newest copy and any copy not yet available.
//!
//! A copy's date is the one in its name (`<prefix>-YYYY-MM-DD`, the UTC day of the automated
//! snapshot it was copied from), so the classification needs no state and no tags: a second run
//! on the same day finds nothing more to prune (pruning a copy never changes which copy is the
//! earliest of its month among those kept). That is `daily_days` daily copies plus one per month
//! for the rest of the 3 years: with the defaults at most 70 at steady state, 71 in the first
//! 3 years after a start late in a month (see the simulation test below).

use std::collections::HashMap;

/// Seconds in a day.
pub const DAY_SECS: i64 = 86_400;

/// How long copies live, in days (validated by `Config`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Every copy younger than this is kept.
    pub daily_days: u32,
    /// The earliest copy of each calendar month is kept while younger than this.
    pub monthly_days: u32,
}

/// One of our copies, as the pruning sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptCopy {
    /// Snapshot identifier, `<prefix>-YYYY-MM-DD`.
    pub id: String,
    /// The date in the identifier, as days since 1970-01-01.
    pub day: i64,
    /// Only available snapshots can (and may) be deleted.
    pub available: bool,
}

/// Why a copy is kept, or that it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Younger than the daily window.
    Daily,
    /// The earliest copy of its month, younger than the monthly retention.
    Monthly,
    /// The newest copy, or one named in `protect`: never pruned, whatever its age.
    Protected,
    /// Past its window but not `available` (still being created or copied): looked at again
    /// on a later run.
    NotAvailable,
    /// Past every window: delete it.
    Expired,
}

/// The fate of every copy, in the order given. `today` is days since 1970-01-01 (UTC).
pub fn classify(
    copies: &[KeptCopy],
    today: i64,
    protect: &[&str],
    policy: Policy,
) -> Vec<(String, Fate)> {
    let newest = copies.iter().map(|c| c.day).max();
    let age = |c: &KeptCopy| today - c.day;
    // The earliest copy of each month among those still inside the monthly retention.
    let mut month_first: HashMap<i64, i64> = HashMap::new();
    for copy in copies
        .iter()
        .filter(|c| age(c) < i64::from(policy.monthly_days))
    {
        let first = month_first.entry(month_of(copy.day)).or_insert(copy.day);
        *first = (*first).min(copy.day);
    }
    copies
        .iter()
        .map(|copy| {
            let fate = if Some(copy.day) == newest || protect.contains(&copy.id.as_str()) {
                Fate::Protected
            } else if age(copy) < i64::from(policy.daily_days) {
                Fate::Daily
            } else if age(copy) < i64::from(policy.monthly_days)
                && month_first.get(&month_of(copy.day)) == Some(&copy.day)
            {
                Fate::Monthly
            } else if !copy.available {
                Fate::NotAvailable
            } else {
                Fate::Expired
            };
            (copy.id.clone(), fate)
        })
        .collect()
}

/// The copies to delete, oldest first.
pub fn expired(copies: &[KeptCopy], today: i64, protect: &[&str], policy: Policy) -> Vec<String> {
    let mut by_day: Vec<&KeptCopy> = copies.iter().collect();
    by_day.sort_by_key(|c| (c.day, c.id.clone()));
    let sorted: Vec<KeptCopy> = by_day.into_iter().cloned().collect();
    classify(&sorted, today, protect, policy)
        .into_iter()
        .filter(|(_, fate)| *fate == Fate::Expired)
        .map(|(id, _)| id)
        .collect()
}

/// The date of `id` if it is `<prefix>-YYYY-MM-DD` with a real calendar date; anything else
/// (even with our prefix) is not ours to prune.
pub fn day_of_copy(id: &str, prefix: &str) -> Option<i64> {
    id.strip_prefix(prefix)?
        .strip_prefix('-')
        .and_then(parse_day)
}

/// `YYYY-MM-DD` to days since 1970-01-01; `None` unless it is exactly that shape and a real date.
pub fn parse_day(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let shape = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape {
        return None;
    }
    let year: i64 = text[..4].parse().ok()?;
    let month: u32 = text[5..7].parse().ok()?;
    let day: u32 = text[8..].parse().ok()?;
    if !(1..=12).contains(&month) || day == 0 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    // A day past the end of its month (2026-02-30) comes back as another date.
    (civil_from_days(days) == (year, month, day)).then_some(days)
}

/// Days since 1970-01-01 to `YYYY-MM-DD`.
pub fn format_day(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The UTC day (days since 1970-01-01) of a Unix time in seconds.
pub fn day_of_secs(secs: i64) -> i64 {
    secs.div_euclid(DAY_SECS)
}

/// A number that is the same for every day of one calendar month and differs between months.
fn month_of(days: i64) -> i64 {
    let (y, m, _) = civil_from_days(days);
    y * 12 + i64::from(m)
}

// Howard Hinnant's civil calendar algorithms (proleptic Gregorian, any year).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: Policy = Policy {
        daily_days: 35,
        monthly_days: 1095,
    };
    const PREFIX: &str = "notejam-prod-daily";

    fn day(text: &str) -> i64 {
        parse_day(text).unwrap()
    }

    fn copy(date: &str) -> KeptCopy {
        KeptCopy {
            id: format!("{PREFIX}-{date}"),
            day: day(date),
            available: true,
        }
    }

    #[test]
    fn dates_round_trip_and_invalid_ones_are_refused() {
        assert_eq!(parse_day("1970-01-01"), Some(0));
        assert_eq!(format_day(day("2028-02-29")), "2028-02-29");
        assert_eq!(day("2027-03-01") - day("2027-02-28"), 1);
        assert_eq!(day("2028-03-01") - day("2028-02-28"), 2);
        assert_eq!(format_day(day_of_secs(1_795_000_000)), "2026-11-18");
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "2026-00-10",
            "2026-1-01",
            "26-01-01xx",
            "2026/01/01",
            "2026-01-01-r1",
            "",
        ] {
            assert_eq!(parse_day(bad), None, "{bad} accepted");
        }
        for d in (day("1999-12-25")..day("2031-01-05")).step_by(7) {
            assert_eq!(parse_day(&format_day(d)), Some(d));
        }
    }

    #[test]
    fn only_our_exact_names_carry_a_date() {
        assert_eq!(
            day_of_copy("notejam-prod-daily-2026-11-27", PREFIX),
            Some(day("2026-11-27"))
        );
        for other in [
            "notejam-prod-daily-manual",
            "notejam-prod-daily-2026-11-27-keep",
            "notejam-prod-dailyx-2026-11-27",
            "notejam-staging-daily-2026-11-27",
            "rds:notejam-prod-2026-11-27-03-10",
        ] {
            assert_eq!(day_of_copy(other, PREFIX), None, "{other}");
        }
    }

    #[test]
    fn keeps_the_daily_window_and_the_first_copy_of_each_older_month() {
        let today = day("2026-11-28");
        let copies: Vec<KeptCopy> = (0..100).map(|age| copy(&format_day(today - age))).collect();
        let gone = expired(&copies, today, &[], DEFAULT);
        // Ages 0..=34 are daily (back to 2026-10-25); older: keep 2026-10-01, 2026-09-01 and the
        // earliest of August present (2026-08-21, age 99).
        let kept: Vec<String> = copies
            .iter()
            .map(|c| c.id.clone())
            .filter(|id| !gone.contains(id))
            .collect();
        assert_eq!(kept.len(), 35 + 3, "{kept:?}");
        for id in ["2026-10-25", "2026-10-01", "2026-09-01", "2026-08-21"] {
            assert!(kept.contains(&format!("{PREFIX}-{id}")), "{id} pruned");
        }
        for id in ["2026-10-24", "2026-10-02", "2026-09-30", "2026-09-02"] {
            assert!(gone.contains(&format!("{PREFIX}-{id}")), "{id} kept");
        }
        // Oldest first.
        assert_eq!(gone.first().unwrap(), &format!("{PREFIX}-2026-08-22"));
    }

    #[test]
    fn pruning_is_idempotent() {
        let today = day("2026-11-28");
        let mut copies: Vec<KeptCopy> =
            (0..400).map(|age| copy(&format_day(today - age))).collect();
        let gone = expired(&copies, today, &[], DEFAULT);
        copies.retain(|c| !gone.contains(&c.id));
        assert_eq!(expired(&copies, today, &[], DEFAULT), Vec::<String>::new());
    }

    #[test]
    fn never_prunes_the_newest_a_protected_or_an_unavailable_copy() {
        let today = day("2030-01-01");
        let mut copies = vec![
            copy("2026-01-05"),
            copy("2026-01-10"),
            copy("2026-01-20"),
            copy("2026-02-03"),
        ];
        copies[2].available = false;
        // All are past 3 years; the newest (2026-02-03) stays, so does the protected one and
        // the one still being created.
        let gone = expired(&copies, today, &[&copies[0].id.clone()], DEFAULT);
        assert_eq!(gone, vec![format!("{PREFIX}-2026-01-10")]);
    }

    #[test]
    fn a_month_whose_first_copy_expired_is_represented_by_the_next_one_in_retention() {
        // 2026-01-01 is past 1095 days on 2029-01-01 (age 1096); 2026-01-15 (age 1082) is now
        // the earliest of January inside the retention and is kept as its monthly copy.
        let today = day("2029-01-01");
        let copies = vec![copy("2026-01-01"), copy("2026-01-15"), copy("2028-12-31")];
        assert_eq!(
            expired(&copies, today, &[], DEFAULT),
            vec![format!("{PREFIX}-2026-01-01")]
        );
    }

    /// Daily runs for `days` days from `start`: each adds that day's copy, then deletes what
    /// `expired` names (the newest copy protected as the run protects it when `protect_newest`);
    /// `after` sees the day and the copies left.
    fn daily_runs(
        start: i64,
        days: i64,
        policy: Policy,
        protect_newest: bool,
        mut after: impl FnMut(i64, &[KeptCopy]),
    ) {
        let mut copies: Vec<KeptCopy> = Vec::new();
        for today in start..start + days {
            copies.push(KeptCopy {
                id: format!("{PREFIX}-{}", format_day(today)),
                day: today,
                available: true,
            });
            let newest = copies.last().unwrap().id.clone();
            let protected: &[&str] = if protect_newest { &[&newest] } else { &[] };
            let gone = expired(&copies, today, protected, policy);
            copies.retain(|c| !gone.contains(&c.id));
            after(today, &copies);
        }
    }

    /// Five years of daily runs from several start dates: the number of copies never exceeds
    /// 71 (the RDS quota is 100 per region and account), 70 at steady state (35 daily copies
    /// and the monthly ones of 1060 days: at most 35 months), and after 3 years the oldest copy
    /// is between 1064 and 1094 days old, so a restorable copy from 3 years back always exists.
    /// The one extra copy comes from a start late in a month (the 31st and the 1st of the next
    /// are both their month's first copy) until that copy is 3 years old.
    #[test]
    fn steady_state_stays_under_the_quota_and_reaches_back_three_years() {
        for start in ["2026-01-01", "2026-01-31", "2026-03-15", "2027-02-28"] {
            let start = day(start);
            let mut most = 0;
            let mut most_steady = 0;
            daily_runs(start, 5 * 365, DEFAULT, true, |today, copies| {
                most = most.max(copies.len());
                if today - start >= 1095 + 31 {
                    most_steady = most_steady.max(copies.len());
                }
                if today - start >= 1095 {
                    let oldest = today - copies.iter().map(|c| c.day).min().unwrap();
                    assert!(
                        (1064..1095).contains(&oldest),
                        "{}: oldest copy {oldest} days old",
                        format_day(today)
                    );
                    // No gap longer than a month between consecutive restore points.
                    let mut days: Vec<i64> = copies.iter().map(|c| c.day).collect();
                    days.sort();
                    assert!(days.windows(2).all(|w| w[1] - w[0] <= 31), "{days:?}");
                }
            });
            assert!(most <= 71, "{most} copies at once");
            assert!(
                (69..=70).contains(&most_steady),
                "{most_steady} copies at steady state"
            );
        }
    }

    #[test]
    fn a_short_daily_window_keeps_fewer_copies() {
        let policy = Policy {
            daily_days: 7,
            monthly_days: 1095,
        };
        let mut most = 0;
        daily_runs(day("2026-01-01"), 4 * 365, policy, false, |_, copies| {
            most = most.max(copies.len());
        });
        assert!(most <= 7 + 36, "{most}");
    }
}
