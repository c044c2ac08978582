//! Venue-level policies.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What serving does when stock is short (DESIGN §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StockPolicy {
    /// Refuse to serve: `409 insufficient_stock`, nothing changes.
    Strict,
    /// Allocate what exists, record the shortfall, raise a `stock_shortage` event.
    #[default]
    Partial,
}

impl StockPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            StockPolicy::Strict => "strict",
            StockPolicy::Partial => "partial",
        }
    }
}

impl fmt::Display for StockPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StockPolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "strict" => Ok(StockPolicy::Strict),
            "partial" => Ok(StockPolicy::Partial),
            other => Err(format!("unknown stock policy {other:?}")),
        }
    }
}

/// A venue's IANA time zone (`Europe/Rome`), from the tz database bundled with the
/// binary, so a host without tzdata computes the same days.
#[derive(Debug, Clone, PartialEq)]
pub struct Timezone {
    name: String,
    zone: jiff::tz::TimeZone,
}

impl Timezone {
    pub fn parse(name: &str) -> Result<Self, String> {
        let name = name.trim();
        jiff::tz::db()
            .get(name)
            .map(|zone| Timezone {
                // The database's own spelling (`europe/rome` is `Europe/Rome`).
                name: zone.iana_name().unwrap_or(name).to_owned(),
                zone,
            })
            .map_err(|_| format!("{name:?} is not an IANA time zone (e.g. Europe/Rome)"))
    }

    pub fn utc() -> Self {
        Timezone {
            name: "UTC".to_owned(),
            zone: jiff::tz::TimeZone::UTC,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

/// When a venue's business day starts, local time (`04:00`: a bar's night belongs to
/// the day it started).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DayStart {
    minutes: u16,
}

impl DayStart {
    /// `HH:MM`, from `00:00` to `23:59`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("{text:?} is not a time of day as HH:MM (e.g. 04:00)");
        let digits = text.trim().bytes().filter(u8::is_ascii_digit).count();
        if digits != 4 {
            return Err(bad());
        }
        let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
        let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if h > 23 || m > 59 || text.trim().len() != 5 {
            return Err(bad());
        }
        Ok(DayStart {
            minutes: h * 60 + m,
        })
    }

    pub fn from_minutes(minutes: u16) -> Result<Self, String> {
        if minutes < 24 * 60 {
            Ok(DayStart { minutes })
        } else {
            Err(format!("{minutes} minutes is past the end of a day"))
        }
    }

    pub fn minutes(self) -> u16 {
        self.minutes
    }
}

impl fmt::Display for DayStart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.minutes / 60, self.minutes % 60)
    }
}

/// The business day `now` falls in, at a venue in `zone` whose days start at `starts`:
/// the local date of `now - starts`. Every "today" of a venue (FEFO expiry, daily
/// figures) is this date.
pub fn business_date(now: time::OffsetDateTime, zone: &Timezone, starts: DayStart) -> time::Date {
    let local = jiff::Timestamp::from_second(now.unix_timestamp())
        .ok()
        .map(|t| t.to_zoned(zone.zone.clone()))
        .and_then(|z| {
            z.checked_sub(jiff::Span::new().minutes(i64::from(starts.minutes)))
                .ok()
        })
        .map(|z| z.date());
    local
        .and_then(|d| {
            let month = time::Month::try_from(u8::try_from(d.month()).ok()?).ok()?;
            time::Date::from_calendar_date(i32::from(d.year()), month, u8::try_from(d.day()).ok()?)
                .ok()
        })
        .unwrap_or_else(|| now.date())
}

/// When business day `date` begins and ends at a venue in `zone` whose days start at
/// `starts`: `[start, end)`, each the first instant of `starts` local time (on a day
/// the clocks skip that time, the instant after the gap). `None` outside the time
/// zone database's range.
pub fn business_day_bounds(
    date: time::Date,
    zone: &Timezone,
    starts: DayStart,
) -> Option<(time::OffsetDateTime, time::OffsetDateTime)> {
    let at = |d: time::Date| -> Option<time::OffsetDateTime> {
        let civil = jiff::civil::date(
            i16::try_from(d.year()).ok()?,
            i8::try_from(u8::from(d.month())).ok()?,
            i8::try_from(d.day()).ok()?,
        )
        .at(
            i8::try_from(starts.minutes / 60).ok()?,
            i8::try_from(starts.minutes % 60).ok()?,
            0,
            0,
        );
        let instant = civil.to_zoned(zone.zone.clone()).ok()?.timestamp();
        time::OffsetDateTime::from_unix_timestamp(instant.as_second()).ok()
    };
    Some((at(date)?, at(date.next_day()?)?))
}

/// A venue's currency: an ISO 4217 code with two decimals (minor units are cents).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Currency(iso_currency::Currency);

impl Currency {
    pub const EUR: Currency = Currency(iso_currency::Currency::EUR);

    pub fn parse(code: &str) -> Result<Self, String> {
        let code = code.trim();
        match iso_currency::Currency::from_code(&code.to_uppercase()) {
            Some(c) if c.exponent() == Some(2) => Ok(Currency(c)),
            Some(_) => Err(format!(
                "{code} has no two-decimal minor unit; only such currencies are supported for now"
            )),
            None => Err(format!(
                "{code:?} is not an ISO 4217 currency code (e.g. EUR)"
            )),
        }
    }

    pub fn code(self) -> String {
        self.0.code().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn a_business_day_starts_within_the_day_and_a_stock_policy_reads_as_it_is_written() {
        assert!(DayStart::from_minutes(24 * 60 - 1).is_ok());
        assert!(DayStart::from_minutes(24 * 60).is_err());
        for policy in [StockPolicy::Strict, StockPolicy::Partial] {
            assert_eq!(policy.to_string().parse::<StockPolicy>(), Ok(policy));
        }
        assert!("lenient".parse::<StockPolicy>().is_err());
    }

    #[test]
    fn a_business_day_runs_from_its_start_to_the_next_days_in_local_time() {
        let new_york = Timezone::parse("America/New_York").unwrap_or_else(|_| Timezone::utc());
        let four = DayStart::parse("04:00").unwrap_or_default();
        assert_eq!(
            business_day_bounds(date!(2026 - 12 - 01), &new_york, four),
            Some((
                datetime!(2026-12-01 09:00 UTC),
                datetime!(2026-12-02 09:00 UTC)
            ))
        );
        // The night the clocks go back lasts 25 hours.
        let (start, end) =
            business_day_bounds(date!(2026 - 11 - 01), &new_york, DayStart::default())
                .expect("bounds");
        assert_eq!(end - start, time::Duration::hours(25));
        // Every instant of the day is on the day.
        for at in [start, end - time::Duration::SECOND] {
            assert_eq!(
                business_date(at, &new_york, DayStart::default()),
                date!(2026 - 11 - 01)
            );
        }
    }

    #[test]
    fn a_business_day_is_the_local_date_shifted_by_its_start() {
        let rome = Timezone::parse("Europe/Rome").unwrap_or_else(|_| Timezone::utc());
        let midnight = DayStart::default();
        let four = DayStart::parse("04:00").unwrap_or_default();
        // 23:30 UTC on 1 Dec is 00:30 on 2 Dec in Rome.
        let late = datetime!(2026-12-01 23:30 UTC);
        assert_eq!(business_date(late, &rome, midnight), date!(2026 - 12 - 02));
        // ... but with days starting at 04:00 it is still the night of the 1st.
        assert_eq!(business_date(late, &rome, four), date!(2026 - 12 - 01));
        assert_eq!(
            business_date(late, &Timezone::utc(), midnight),
            date!(2026 - 12 - 01)
        );
        // Tokyo is ahead of UTC's date all morning.
        let tokyo = Timezone::parse("Asia/Tokyo").unwrap_or_else(|_| Timezone::utc());
        let morning = datetime!(2026-12-01 20:00 UTC);
        assert_eq!(
            business_date(morning, &tokyo, midnight),
            date!(2026 - 12 - 02)
        );
    }

    #[test]
    fn zones_times_of_day_and_currencies_are_validated() {
        assert!(Timezone::parse("Europe/Rome").is_ok());
        assert_eq!(
            Timezone::parse("europe/rome").map(|z| z.name().to_owned()),
            Ok("Europe/Rome".to_owned())
        );
        assert!(Timezone::parse("Mars/Olympus").is_err());
        assert_eq!(DayStart::parse("04:00").map(|d| d.minutes()), Ok(240));
        assert_eq!(
            DayStart::parse("04:00").map(|d| d.to_string()),
            Ok("04:00".into())
        );
        for bad in ["4", "24:00", "04:60", "4:00", "+4:00", "04:00:00", "ab:cd"] {
            assert!(DayStart::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Currency::parse("eur").map(Currency::code), Ok("EUR".into()));
        assert!(Currency::parse("JPY").is_err(), "no minor unit");
        assert!(Currency::parse("XYZ").is_err());
    }
}
