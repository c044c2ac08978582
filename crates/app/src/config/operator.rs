//! The operators' settings: their credential, the slow thresholds, the kitchen alerts.

use std::time::Duration;

use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct OperatorArgs {
    /// Bearer token opening the operators' views (detailed /health, /api/v1/operator/*).
    /// Unset: only requests from this host itself (loopback, through no proxy). Outside
    /// --dev it must be at least 32 characters.
    #[arg(long, env = "BRIGADE_OPERATOR_TOKEN", hide_env_values = true)]
    pub operator_token: Option<String>,

    /// Slow thresholds per operation, `name=ms,...`, over the defaults
    /// (order_create=300, order_add_items=200, order_status=100, order_serve=200,
    /// kitchen_display=150, table_create=150, table_status=50). Other requests use
    /// BRIGADE_SLOW_REQUEST_MS.
    #[arg(long, env = "BRIGADE_SLOW_OPERATIONS_MS", default_value = "")]
    pub slow_operations_ms: String,

    /// An event reaching this instance's kitchen screens later than this many
    /// milliseconds after its change is a slow fan-out (logged; the WebSocket health is
    /// `degraded` for a minute).
    #[arg(long, env = "BRIGADE_SLOW_FANOUT_MS", default_value_t = 50)]
    pub slow_fanout_ms: u64,

    /// Seconds between this instance's scans for orders stuck in `preparing` past their
    /// venue's `stuck_after_minutes` (each raises one `kitchen_alert`; 0 turns the
    /// scan off).
    #[arg(long, env = "BRIGADE_KITCHEN_ALERT_SECS", default_value_t = 30)]
    pub kitchen_alert_secs: u64,
}

impl Default for OperatorArgs {
    fn default() -> Self {
        Self {
            operator_token: None,
            slow_operations_ms: String::new(),
            slow_fanout_ms: 50,
            kitchen_alert_secs: 30,
        }
    }
}

impl OperatorArgs {
    /// The operator token, refused when weak outside development mode.
    pub fn token(&self, dev: bool) -> anyhow::Result<Option<&str>> {
        match self.operator_token.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(token) if !dev && token.len() < 32 => anyhow::bail!(
                "BRIGADE_OPERATOR_TOKEN must be at least 32 characters (e.g. `openssl rand \
                 -hex 32`)"
            ),
            Some(token) => Ok(Some(token)),
        }
    }

    pub fn kitchen_alert_every(&self) -> Option<Duration> {
        (self.kitchen_alert_secs > 0).then(|| Duration::from_secs(self.kitchen_alert_secs))
    }
}
