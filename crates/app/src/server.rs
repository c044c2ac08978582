//! Wiring: store + use cases + HTTP, and the running server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use brigade_application::LocalBus;
use brigade_application::ports::{Cache, Clock, EventBus, UnitOfWork};
use brigade_application::{Brigade, SystemClock};
use brigade_http::{
    AppState, Auth, AuthSettings, ClientTelemetry, HealthReport, Operators, RateSettings,
    ReadCache, RequestLimits, RequestStats, SlowThresholds, TrustedProxies,
};

use crate::passwords::Argon2Passwords;
use brigade_http::ws::{Hub, WsSettings};
use brigade_redis::{RedisBus, RedisCache, RedisProbe, Seal};
use brigade_sql::{PgUnitOfWork, PoolSettings, SqliteUnitOfWork, StatementLog};

use crate::config::{ReadCacheMode, RealtimeArgs, ServeArgs, StoreConfig};

/// Applies pending migrations to the store (creating the embedded store's directory
/// and file when missing); returns the versions applied.
pub async fn migrate(store: &StoreConfig) -> anyhow::Result<Vec<String>> {
    match store {
        StoreConfig::Postgres(url) => brigade_sql::pg::migrate(url).await,
        StoreConfig::Sqlite(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating the data directory {}", dir.display()))?;
            }
            brigade_sql::sqlite::migrate(path).await
        }
    }
}

/// What `serve` does before it listens: applies pending migrations, and on PostgreSQL
/// does not touch the schema when none is pending, so an instance may run as a role
/// that owns nothing (DESIGN §8). When some are pending and this role cannot apply
/// them, it says what to run.
async fn migrate_at_start(store: &StoreConfig) -> anyhow::Result<Vec<String>> {
    let StoreConfig::Postgres(url) = store else {
        return migrate(store).await;
    };
    let pending = brigade_sql::pg::pending(url).await?;
    if pending.is_empty() {
        return Ok(pending);
    }
    migrate(store).await.with_context(|| {
        format!(
            "{} migration(s) pending ({}): applying them needs the role that owns the schema. \
             When the instances connect as a non-owner role, run `brigade migrate` with the \
             owner's BRIGADE_DATABASE_URL first (docs/RUNBOOK.md, \"Database roles\")",
            pending.len(),
            pending.join(", ")
        )
    })
}

/// Reverts every migration (the round-trip check; rollbacks of a fresh install).
pub async fn revert_all(store: &StoreConfig) -> anyhow::Result<Vec<String>> {
    match store {
        StoreConfig::Postgres(url) => brigade_sql::pg::revert_all(url).await,
        StoreConfig::Sqlite(path) => brigade_sql::sqlite::revert_all(path).await,
    }
}

/// Reverts the latest migration (the round-trip check of a migration with data).
pub async fn revert_last(store: &StoreConfig) -> anyhow::Result<Vec<String>> {
    match store {
        StoreConfig::Postgres(url) => brigade_sql::pg::revert_last(url).await,
        StoreConfig::Sqlite(path) => brigade_sql::sqlite::revert_last(path).await,
    }
}

/// The use-case service on the store: `pool_size` connections (PostgreSQL) or reader
/// connections beside the single writer (SQLite).
pub fn brigade(store: &StoreConfig, pool_size: usize) -> anyhow::Result<Brigade> {
    Ok(service_on(
        unit_of_work(store, pool_size)?,
        Arc::new(SystemClock),
    ))
}

/// The use-case service on `uow`, telling time by `clock`.
fn service_on(uow: Arc<dyn UnitOfWork>, clock: Arc<dyn Clock>) -> Brigade {
    Brigade::new(uow, clock, Arc::new(Argon2Passwords))
}

/// The store's ports, without the use cases (default statement logging).
pub fn unit_of_work(store: &StoreConfig, pool_size: usize) -> anyhow::Result<Arc<dyn UnitOfWork>> {
    open_store(
        store,
        &PoolSettings {
            max_size: pool_size,
            ..PoolSettings::default()
        },
    )
}

/// The store with `settings` (the embedded store takes its size and statement log).
fn open_store(store: &StoreConfig, settings: &PoolSettings) -> anyhow::Result<Arc<dyn UnitOfWork>> {
    Ok(match store {
        StoreConfig::Postgres(url) => Arc::new(PgUnitOfWork::connect(url, settings)?),
        StoreConfig::Sqlite(path) => Arc::new(SqliteUnitOfWork::open(
            path,
            settings.max_size,
            settings.statements,
        )?),
    })
}

/// A bound, not yet awaited server.
pub struct Running {
    pub addr: SocketAddr,
    pub handle: ServerHandle,
    pub server: Server,
    /// The real-time gateway (connection counts for tests and health).
    pub hub: Hub,
    /// The use cases the server runs, on the requests' pool (for jobs beside them).
    pub brigade: Brigade,
}

/// Migrates, connects and binds. Await `server` to serve; `handle.stop(true)` stops.
pub async fn start(args: &ServeArgs) -> anyhow::Result<Running> {
    start_with_clock(args, Arc::new(SystemClock)).await
}

/// [`start`], with the use cases telling time by `clock` (tests of what "today" means).
pub async fn start_with_clock(args: &ServeArgs, clock: Arc<dyn Clock>) -> anyhow::Result<Running> {
    // Refuse a bad configuration before touching the database.
    let store = args.database.store()?;
    let secret = args.jwt_secret()?;
    let seal = Seal::derive(secret.expose().as_bytes());
    let operators = Operators::new(args.operator.token(args.dev)?);
    let origins = args.cors_origins()?;
    let slow = SlowThresholds::parse(
        &args.operator.slow_operations_ms,
        Duration::from_millis(args.slow_request_ms),
    )
    .map_err(|e| anyhow::anyhow!("BRIGADE_SLOW_OPERATIONS_MS: {e}"))?;
    if args.dev && !args.bind.ip().is_loopback() {
        tracing::warn!(bind = %args.bind, "DEVELOPMENT MODE ON A NON-LOOPBACK ADDRESS");
        eprintln!(
            "\n  WARNING: --dev on {}: reachable from other machines with development \
             settings.\n  Fine for a kitchen tablet on your own LAN; never on a public network.\n",
            args.bind
        );
    }
    let applied = migrate_at_start(&store).await?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "applied migrations");
    }
    let realtime = &args.realtime;
    let hub = Hub::new(WsSettings {
        queue: realtime.ws_queue,
        poll: Duration::from_millis(realtime.ws_poll_ms.max(10)),
        heartbeat: Duration::from_secs(realtime.ws_heartbeat_secs.max(1)),
        idle_timeout: Duration::from_secs(realtime.ws_idle_timeout_secs.max(1)),
        send_timeout: Duration::from_secs(realtime.ws_send_timeout_secs.max(1)),
        slow_fanout: Duration::from_millis(args.operator.slow_fanout_ms),
        connections_per_user: realtime.ws_connections_per_user,
        frames_per_second: realtime.ws_frames_per_second,
        max_replay: realtime.ws_max_replay.max(0),
    });
    let mut health: Vec<Arc<dyn HealthReport>> = vec![
        Arc::new(hub.clone()),
        Arc::new(crate::host::Host::start(&args.database.data_dir)),
    ];
    let bus: Arc<dyn EventBus> = match &realtime.redis_url {
        Some(url) => {
            let bus = Arc::new(RedisBus::start(
                url,
                &realtime.redis_channel,
                seal.clone(),
                Arc::new(hub.clone()),
            )?);
            health.push(Arc::new(RedisHealth {
                bus: Arc::clone(&bus),
                probe: RedisProbe::new(url)?,
            }));
            bus
        }
        None => Arc::new(LocalBus(Arc::new(hub.clone()))),
    };
    let statements = StatementLog {
        slow: Duration::from_millis(args.slow_query_ms),
        spans: brigade_telemetry::exporting_traces(),
    };
    let pool = args.pool_settings(statements);
    let uow = open_store(&store, &pool)?;
    let mut brigade = service_on(Arc::clone(&uow), Arc::clone(&clock)).with_bus(bus);
    if brigade_telemetry::exporting_metrics() {
        brigade = brigade.with_metrics(Arc::new(brigade_telemetry::DomainMetrics::new()));
        // The probes get a connection of their own: a busy request pool is not a
        // database that is down.
        let probe_pool = PoolSettings {
            max_size: 1,
            ..pool.clone()
        };
        let probe = service_on(open_store(&store, &probe_pool)?, Arc::clone(&clock));
        crate::metrics::install(probe, uow, hub.clone());
    }
    if args.demo {
        crate::seed::demo(&brigade).await?;
    }
    crate::jobs::prune_journal(brigade.clone(), realtime.event_retention_hours);
    if let Some(every) = args.operator.kitchen_alert_every() {
        crate::jobs::raise_kitchen_alerts(brigade.clone(), every);
    }
    let auth = Arc::new(Auth::new(
        AuthSettings {
            secret: secret.expose().as_bytes().to_vec(),
            token_ttl: args.token_ttl(),
            ticket_ttl: Duration::from_secs(args.sign_in.ws_ticket_ttl_secs.max(1)),
            login: args.sign_in.login(),
            trusted_proxies: TrustedProxies(args.sign_in.trusted_proxies.clone()),
        },
        brigade.clone(),
    ));
    actix_web::rt::spawn(Arc::clone(&auth.access).watch(ACCESS_POLL));
    let state = AppState {
        brigade: brigade.clone(),
        auth,
        health,
        operators,
        slow,
        requests: Arc::new(RequestStats::default()),
        rate: Arc::new(RequestLimits::new(RateSettings {
            reads_per_minute: args.rate_reads_per_minute,
            writes_per_minute: args.rate_writes_per_minute,
        })),
        client_telemetry: Arc::new(ClientTelemetry::new(args.client_reports_per_minute)),
        cache: ReadCache::new(read_cache(realtime, seal)?, CACHE_TTL),
    };
    warm_menus(state.brigade.clone(), state.cache.clone());
    let gateway = hub.clone();
    let mut server = HttpServer::new(move || {
        App::new()
            .wrap(Condition::new(
                !origins.is_empty(),
                brigade_http::cors(&origins),
            ))
            .wrap(brigade_http::default_headers())
            .wrap(from_fn(brigade_http::request_id))
            .configure(brigade_http::ws::configure(gateway.clone()))
            .configure(brigade_http::configure(state.clone()))
            .default_service(web::to(brigade_http::not_found))
    })
    .shutdown_timeout(10)
    .bind(args.bind)?;
    if let Some(workers) = args.workers {
        server = server.workers(workers);
    }
    let addr = server
        .addrs()
        .first()
        .copied()
        .ok_or_else(|| anyhow::anyhow!("bound to no address"))?;
    let server = server.run();
    Ok(Running {
        addr,
        handle: server.handle(),
        server,
        hub,
        brigade,
    })
}

/// The Redis bus in the detailed health view, with a round trip's time. Its loss
/// degrades fan-out latency (other instances' events arrive through the journal poll),
/// not correctness, so it does not make the instance unready.
struct RedisHealth {
    bus: Arc<RedisBus>,
    probe: RedisProbe,
}

#[async_trait::async_trait]
impl HealthReport for RedisHealth {
    fn name(&self) -> &'static str {
        "redis"
    }

    async fn report(&self) -> serde_json::Value {
        let up = self.bus.subscribed();
        let mut report = serde_json::json!({
            "status": if up { "up" } else { "down" },
            "fan_out": if up { "redis" } else { "journal poll only" },
        });
        match self.probe.ping().await {
            Ok(took) => {
                report["response_time_ms"] =
                    serde_json::json!((took.as_secs_f64() * 100_000.0).round() / 100.0);
            }
            Err(e) => report["error"] = serde_json::json!(e),
        }
        report
    }
}

/// How often each instance reads the access changes of the last seconds: a logout, a
/// disabled account or a membership change is in force everywhere within 2 s.
const ACCESS_POLL: Duration = Duration::from_secs(1);

/// Warms the read cache in the background: the menus of the venues that took orders in
/// the last week, at most this many, the most recent first.
pub const WARM_VENUES: i64 = 50;
pub const WARM_WITHIN: time::Duration = time::Duration::days(7);

/// `brigade cache warm`: fills the shared cache (Redis) with the menus of up to `limit`
/// recently active venues, as `deploy.sh` does after a release; returns how many. An
/// unreachable Redis is an error here (a server would carry on without its cache).
pub async fn warm_shared_cache(
    store: &StoreConfig,
    realtime: &RealtimeArgs,
    jwt_secret: &str,
    limit: i64,
) -> anyhow::Result<usize> {
    if realtime.redis_url.is_none() || realtime.read_cache != ReadCacheMode::Auto {
        anyhow::bail!(
            "no shared cache to warm: set BRIGADE_REDIS_URL (and leave BRIGADE_READ_CACHE at \
             auto); an in-process cache is warmed by its own instance at start"
        );
    }
    let secret = crate::secrets::strong("BRIGADE_JWT_SECRET", jwt_secret)?;
    let cache = read_cache(realtime, Seal::derive(secret.expose().as_bytes()))?;
    cache
        .get("warm:probe")
        .await
        .map_err(|e| anyhow::anyhow!("the shared cache is unreachable: {e}"))?;
    let brigade = self::brigade(store, 2)?;
    let cache = ReadCache::new(cache, CACHE_TTL);
    brigade_http::warm_menus(&brigade, &cache, WARM_WITHIN, limit)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
}

fn warm_menus(brigade: Brigade, cache: ReadCache) {
    actix_web::rt::spawn(async move {
        let started = std::time::Instant::now();
        match brigade_http::warm_menus(&brigade, &cache, WARM_WITHIN, WARM_VENUES).await {
            Ok(venues) => tracing::info!(
                venues,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "warmed the menu cache"
            ),
            Err(e) => tracing::warn!(error = %e, "warming the menu cache failed"),
        }
    });
}

/// How long a cached read lives at most. Keys carry the database's version, so this
/// only bounds what an unused entry costs.
const CACHE_TTL: Duration = Duration::from_secs(600);

/// The shared cache (Redis, keys under `<channel>:cache:`, entries under `seal`) when
/// Redis is configured, else one in process; or none (`BRIGADE_READ_CACHE=off`).
fn read_cache(realtime: &RealtimeArgs, seal: Seal) -> anyhow::Result<Arc<dyn Cache>> {
    Ok(match (realtime.read_cache, &realtime.redis_url) {
        (ReadCacheMode::Off, _) => Arc::new(crate::cache::NoCache),
        (ReadCacheMode::Auto, Some(url)) => Arc::new(RedisCache::new(
            url,
            &format!("{}:cache:", realtime.redis_channel),
            seal,
        )?),
        _ => Arc::new(crate::cache::MemoryCache::default()),
    })
}
