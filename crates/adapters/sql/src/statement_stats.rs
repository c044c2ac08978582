//! In-process statement statistics, for the embedded store (PostgreSQL has
//! `pg_stat_statements`): each statement pattern's calls, total and worst time.
//!
//! A pattern is the statement as diesel prepares it, with placeholders: its text is
//! streamed into a hasher as diesel writes it, stopping where the bound values would
//! begin, so no string is built per statement and values never reach the table; the
//! text is kept once, the first time a pattern is seen.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::{DefaultHasher, Hasher};
use std::sync::Mutex;
use std::time::Duration;

use brigade_application::model::QueryStat;
use diesel::connection::DebugQuery;

/// Patterns kept at most; statements of any further pattern are counted together.
const MAX_PATTERNS: usize = 500;
const OTHER: u64 = 0;

#[derive(Default)]
pub struct StatementStats {
    patterns: Mutex<HashMap<u64, Pattern>>,
}

struct Pattern {
    text: String,
    calls: u64,
    total: Duration,
    max: Duration,
}

impl StatementStats {
    pub(crate) fn record(&self, query: &dyn DebugQuery, elapsed: Duration) {
        let key = pattern_key(query);
        let Ok(mut patterns) = self.patterns.lock() else {
            return;
        };
        let full = patterns.len() >= MAX_PATTERNS;
        let key = if full && !patterns.contains_key(&key) {
            OTHER
        } else {
            key
        };
        let pattern = patterns.entry(key).or_insert_with(|| Pattern {
            text: if key == OTHER {
                format!("(statements of more than {MAX_PATTERNS} patterns)")
            } else {
                crate::statements::statement(query)
            },
            calls: 0,
            total: Duration::ZERO,
            max: Duration::ZERO,
        });
        pattern.calls += 1;
        pattern.total += elapsed;
        pattern.max = pattern.max.max(elapsed);
    }

    /// The `limit` patterns of most total time.
    pub fn top(&self, limit: usize) -> Vec<QueryStat> {
        let Ok(patterns) = self.patterns.lock() else {
            return Vec::new();
        };
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let mut stats: Vec<QueryStat> = patterns
            .values()
            .map(|p| QueryStat {
                statement: p.text.clone(),
                calls: i64::try_from(p.calls).unwrap_or(i64::MAX),
                total_ms: ms(p.total),
                mean_ms: ms(p.total) / p.calls.max(1) as f64,
                max_ms: ms(p.max),
            })
            .collect();
        stats.sort_by(|a, b| b.total_ms.total_cmp(&a.total_ms));
        stats.truncate(limit);
        stats
    }
}

/// A hash of the statement's text up to its bound values.
fn pattern_key(query: &dyn DebugQuery) -> u64 {
    let mut hasher = KeyWriter {
        hasher: DefaultHasher::new(),
    };
    // Stops with an error where the binds begin: nothing more to format.
    let _ = write!(hasher, "{query}");
    hasher.hasher.finish().max(1)
}

struct KeyWriter {
    hasher: DefaultHasher,
}

impl std::fmt::Write for KeyWriter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        if let Some(at) = s.find(" -- binds: ") {
            self.hasher.write(&s.as_bytes()[..at]);
            return Err(std::fmt::Error);
        }
        self.hasher.write(s.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn debug(sql: &str, email: &str) -> String {
        let select =
            diesel::sql_query(sql.to_owned()).bind::<diesel::sql_types::Text, _>(email.to_owned());
        diesel::debug_query::<diesel::pg::Pg, _>(&select).to_string()
    }

    #[test]
    fn one_pattern_whatever_its_values_with_its_text_and_no_value() {
        let stats = StatementStats::default();
        let sql = "SELECT name FROM users WHERE email = $1";
        for (email, ms) in [("a@example.com", 3), ("b@example.com", 5)] {
            let select = diesel::sql_query(sql).bind::<diesel::sql_types::Text, _>(email);
            let query = diesel::debug_query::<diesel::pg::Pg, _>(&select);
            stats.record(&query, Duration::from_millis(ms));
        }
        let other = diesel::sql_query("SELECT 1");
        stats.record(
            &diesel::debug_query::<diesel::pg::Pg, _>(&other),
            Duration::from_millis(1),
        );
        let top = stats.top(20);
        assert_eq!(top.len(), 2, "{top:?}");
        assert_eq!(top[0].statement, sql);
        assert_eq!(top[0].calls, 2);
        assert!((top[0].total_ms - 8.0).abs() < 0.01 && (top[0].max_ms - 5.0).abs() < 0.01);
        assert!((top[0].mean_ms - 4.0).abs() < 0.01);
        assert!(!format!("{top:?}").contains("example.com"));
        assert!(
            debug(sql, "a@example.com").contains("example.com"),
            "the debug form has them"
        );
    }
}
