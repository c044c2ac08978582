//! Per-operation slow thresholds (seed 002's): a request slower than its operation's
//! threshold is logged at WARN as `slow request` with the trace id, counted in
//! `brigade.http.slow_requests{operation}` and alerted on by Prometheus
//! (`BrigadeSlowOperations`, docs/RUNBOOK.md). Operations are named from the route
//! template and method; a serve is told from other status changes by its handler.

use std::collections::HashMap;
use std::time::Duration;

/// The seed's thresholds, in milliseconds (`BRIGADE_SLOW_OPERATIONS_MS`'s default).
pub const DEFAULT_OPERATIONS: &str = "order_create=300,order_add_items=200,order_status=100,\
order_serve=200,kitchen_display=150,table_create=150,table_status=50";

/// Which operation a request is, and how slow is too slow for it.
#[derive(Debug, Clone)]
pub struct SlowThresholds {
    /// Any operation not named.
    pub default: Duration,
    by_operation: HashMap<String, Duration>,
}

/// Set by a handler that knows better than its route which operation it ran (a
/// status change that serves).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Operation(pub &'static str);

impl SlowThresholds {
    /// `spec` is `name=ms,...` over [`DEFAULT_OPERATIONS`]; `default` is every other
    /// request's threshold.
    pub fn parse(spec: &str, default: Duration) -> Result<Self, String> {
        let mut by_operation = HashMap::new();
        for part in DEFAULT_OPERATIONS.split(',').chain(spec.split(',')) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let (name, ms) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?} is not name=milliseconds"))?;
            let name = name.trim();
            if !DEFAULT_OPERATIONS
                .split(',')
                .any(|d| d.split('=').next() == Some(name))
            {
                return Err(format!(
                    "unknown operation {name:?}; known: {}",
                    DEFAULT_OPERATIONS
                        .split(',')
                        .filter_map(|d| d.split('=').next())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            let ms: u64 = ms
                .trim()
                .parse()
                .map_err(|_| format!("{part:?}: the threshold is whole milliseconds"))?;
            by_operation.insert(name.to_owned(), Duration::from_millis(ms));
        }
        Ok(Self {
            default,
            by_operation,
        })
    }

    /// The operation of a request to `route` (a template) with `method`.
    pub(crate) fn operation(method: &str, route: &str) -> Option<&'static str> {
        let route = route.strip_prefix("/api/v1")?;
        // The same resources under a venue in the path.
        let route = route.strip_prefix("/venues/{venue_id}").unwrap_or(route);
        Some(match (method, route) {
            ("POST", "/orders") => "order_create",
            ("POST", "/orders/{order_id}/items") => "order_add_items",
            ("PATCH", "/orders/{order_id}/status") => "order_status",
            ("GET", "/orders/kitchen-display") => "kitchen_display",
            ("POST", "/tables") => "table_create",
            ("PATCH", "/tables/{table_id}/status") => "table_status",
            _ => return None,
        })
    }

    pub(crate) fn threshold(&self, operation: Option<&str>) -> Duration {
        operation
            .and_then(|o| self.by_operation.get(o))
            .copied()
            .unwrap_or(self.default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeds_thresholds_apply_unless_configured_otherwise() {
        let t =
            SlowThresholds::parse("order_create=50", Duration::from_millis(500)).expect("valid");
        assert_eq!(t.threshold(Some("order_create")), Duration::from_millis(50));
        assert_eq!(
            t.threshold(Some("kitchen_display")),
            Duration::from_millis(150)
        );
        assert_eq!(t.threshold(Some("order_serve")), Duration::from_millis(200));
        assert_eq!(t.threshold(None), Duration::from_millis(500));
        assert_eq!(
            SlowThresholds::operation("PATCH", "/api/v1/orders/{order_id}/status"),
            Some("order_status")
        );
        assert_eq!(
            SlowThresholds::operation("POST", "/api/v1/venues/{venue_id}/orders"),
            Some("order_create")
        );
        assert_eq!(SlowThresholds::operation("GET", "/api/v1/menu"), None);
    }

    #[test]
    fn a_bad_specification_says_what_is_wrong() {
        let d = Duration::from_millis(500);
        assert!(
            SlowThresholds::parse("order_creat=5", d)
                .expect_err("a typo is refused")
                .contains("known: order_create")
        );
        assert!(
            SlowThresholds::parse("order_create=fast", d)
                .expect_err("a word is refused")
                .contains("whole milliseconds")
        );
        assert!(SlowThresholds::parse("order_create", d).is_err());
    }
}
