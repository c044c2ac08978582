//! `brigade serve`'s sign-in settings: login limits and trusted proxies.

use clap::Args;

/// Sign-in limits and the proxies whose forwarded addresses are believed.
#[derive(Debug, Clone, Args)]
pub struct SignInArgs {
    /// Login attempts one account may take a minute (right or wrong); the next get
    /// `429` with `Retry-After`. Raise it when many screens share one login.
    #[arg(
        long,
        env = "BRIGADE_LOGIN_PER_ACCOUNT_PER_MINUTE",
        default_value_t = 10
    )]
    pub login_per_account_per_minute: u32,

    /// Login attempts one client address may make a minute.
    #[arg(
        long,
        env = "BRIGADE_LOGIN_PER_ADDRESS_PER_MINUTE",
        default_value_t = 30
    )]
    pub login_per_address_per_minute: u32,

    /// Password hashes computed at once (default: one per core); each takes ~19 MiB.
    #[arg(long, env = "BRIGADE_LOGIN_CONCURRENT_HASHES")]
    pub login_concurrent_hashes: Option<usize>,

    /// Logins that may wait for a hash (default: four per core); more get `503` with
    /// `Retry-After` at once.
    #[arg(long, env = "BRIGADE_LOGIN_QUEUE")]
    pub login_queue: Option<usize>,

    /// Addresses or CIDR ranges of the reverse proxies in front (comma-separated,
    /// e.g. `127.0.0.1,10.0.0.0/8`). Only their `X-Forwarded-For` is believed; the
    /// client address is the nearest hop that is not one of them.
    #[arg(long, env = "BRIGADE_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_net)]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// Seconds a WebSocket ticket (`POST /api/v1/ws/ticket`) stays redeemable.
    #[arg(long, env = "BRIGADE_WS_TICKET_TTL_SECS", default_value_t = 30)]
    pub ws_ticket_ttl_secs: u64,
}

impl Default for SignInArgs {
    fn default() -> Self {
        Self {
            login_per_account_per_minute: 10,
            login_per_address_per_minute: 30,
            login_concurrent_hashes: None,
            login_queue: None,
            trusted_proxies: Vec::new(),
            ws_ticket_ttl_secs: 30,
        }
    }
}

impl SignInArgs {
    pub fn login(&self) -> brigade_http::LoginSettings {
        let defaults = brigade_http::LoginSettings::default();
        brigade_http::LoginSettings {
            per_account_per_minute: self.login_per_account_per_minute,
            per_address_per_minute: self.login_per_address_per_minute,
            concurrent_hashes: self
                .login_concurrent_hashes
                .unwrap_or(defaults.concurrent_hashes),
            queued_hashes: self.login_queue.unwrap_or(defaults.queued_hashes),
        }
    }
}

/// An address (a network of one) or a CIDR range.
fn parse_net(text: &str) -> Result<ipnet::IpNet, String> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("{text:?} is neither an IP address nor a CIDR range"))
}
