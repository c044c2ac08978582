//! Wiring: store + use cases + HTTP, and the running server.

use std::net::SocketAddr;
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use brigade_application::{Brigade, SystemClock};
use brigade_http::{AppState, Argon2Passwords, JwtKeys};
use brigade_postgres::{PgUnitOfWork, PoolSettings};

use crate::config::ServeArgs;

/// The use-case service on PostgreSQL.
pub fn brigade(database_url: &str, pool_size: usize) -> anyhow::Result<Brigade> {
    let settings = PoolSettings {
        max_size: pool_size,
        ..PoolSettings::default()
    };
    let uow = PgUnitOfWork::connect(database_url, &settings)?;
    Ok(Brigade::new(
        Arc::new(uow),
        Arc::new(SystemClock),
        Arc::new(Argon2Passwords),
    ))
}

/// A bound, not yet awaited server.
pub struct Running {
    pub addr: SocketAddr,
    pub handle: ServerHandle,
    pub server: Server,
}

/// Migrates, connects and binds. Await `server` to serve; `handle.stop(true)` stops.
pub async fn start(args: &ServeArgs) -> anyhow::Result<Running> {
    let url = args.database.url()?;
    // Refuse a bad configuration before touching the database.
    let keys = JwtKeys::new(args.jwt_secret()?.expose().as_bytes(), args.token_ttl());
    let applied = brigade_postgres::migrate(url).await?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "applied migrations");
    }
    let brigade = brigade(url, args.db_pool_size())?;
    if args.demo {
        crate::seed::demo(&brigade).await?;
    }
    let state = AppState {
        brigade,
        keys: Arc::new(keys),
    };
    let mut server = HttpServer::new(move || {
        App::new()
            .wrap(from_fn(brigade_http::request_id))
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
    })
}
