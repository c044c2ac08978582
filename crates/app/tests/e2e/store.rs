//! The store under test: every test of this suite runs against the store named by
//! `BRIGADE_TEST_STORE` (`postgres`, the default, or `sqlite`), so the same scenarios
//! are the contract both adapters must honour. `cargo xtask test-phase3` runs the
//! suite once per store.
//!
//! - **postgres**: the first test in the process creates a template database (migrated,
//!   seeded); each test clones it (`CREATE DATABASE .. TEMPLATE`) on the server named
//!   by `BRIGADE_TEST_PG` (default `postgres://postgres@127.0.0.1:5432`).
//! - **sqlite**: the template is a file in `$TMPDIR/brigade-test-<pid>/`; each test gets
//!   a copy.
//!
//! Either way a test's database is dropped with it, and what a killed run left behind
//! (named after its dead process id) is swept when the next run creates its template.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use brigade_app::config::{DatabaseArgs, StoreConfig};
use brigade_application::model::{Membership, Venue};
use brigade_domain::{Role, VenueId};
use diesel::connection::SimpleConnection;
use diesel::sql_types::Text;
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};
use tokio::sync::OnceCell;
use tokio_postgres::NoTls;

use crate::support::{OTHER_VENUE, OTHER_WAITER, PASSWORD};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

pub fn backend() -> Backend {
    match std::env::var("BRIGADE_TEST_STORE").as_deref() {
        Ok("sqlite") => Backend::Sqlite,
        Ok("postgres") | Ok("") | Err(_) => Backend::Postgres,
        Ok(other) => panic!("BRIGADE_TEST_STORE={other:?}: expected postgres or sqlite"),
    }
}

fn pg_server() -> String {
    std::env::var("BRIGADE_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
}

fn pg_url(name: &str) -> String {
    format!("{}/{name}", pg_server().trim_end_matches('/'))
}

async fn pg_admin() -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(&pg_url("postgres"), NoTls)
        .await
        .expect("PostgreSQL reachable (set BRIGADE_TEST_PG)");
    tokio::spawn(conn);
    client
}

fn pid_is_dead(name: &str) -> bool {
    // brigade_test_<pid>_.., brigade_tpl_<pid>, brigade-test-<pid>
    let pid = name
        .split(['_', '-'])
        .nth(2)
        .and_then(|p| p.parse::<u32>().ok());
    pid.is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists())
}

/// This process's directory of SQLite files.
fn sqlite_dir() -> PathBuf {
    std::env::temp_dir().join(format!("brigade-test-{}", std::process::id()))
}

/// Removes what dead runs left: databases and directories named after their pid.
async fn sweep() {
    if let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("brigade-test-") && pid_is_dead(&name) {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    match backend() {
        Backend::Postgres => {
            let client = pg_admin().await;
            let rows = client
                .query(
                    "SELECT datname FROM pg_database WHERE datname LIKE 'brigade_test_%' OR datname LIKE 'brigade_tpl_%'",
                    &[],
                )
                .await
                .expect("list databases");
            for row in rows {
                let name: String = row.get(0);
                if pid_is_dead(&name) {
                    let _ = client
                        .simple_query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                        .await;
                }
            }
        }
        Backend::Sqlite => {}
    }
}

/// A fresh, empty directory of this process's (removed by the caller, or swept).
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = sqlite_dir().join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

static TEMPLATE: OnceCell<StoreConfig> = OnceCell::const_new();
static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// The migrated template with the demo venue and a second venue (its own waiter).
async fn template() -> &'static StoreConfig {
    TEMPLATE
        .get_or_init(|| async {
            sweep().await;
            let store = match backend() {
                Backend::Postgres => {
                    let name = format!("brigade_tpl_{}", std::process::id());
                    let client = pg_admin().await;
                    client
                        .simple_query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await
                        .expect("drop old template");
                    client
                        .simple_query(&format!("CREATE DATABASE {name}"))
                        .await
                        .expect("create template");
                    StoreConfig::Postgres(pg_url(&name))
                }
                Backend::Sqlite => {
                    // The directory is this process's; tests that need no template
                    // (`TestDb::empty`) may already have files in it.
                    let dir = sqlite_dir();
                    std::fs::create_dir_all(&dir).expect("test dir");
                    let path = dir.join("template.db");
                    remove_sqlite(&path);
                    StoreConfig::Sqlite(path)
                }
            };
            brigade_app::server::migrate(&store)
                .await
                .expect("migrate template");
            let brigade = brigade_app::server::brigade(&store, 2).expect("pool");
            brigade_app::seed::demo(&brigade)
                .await
                .expect("seed demo venue");
            let other = VenueId::from_uuid(OTHER_VENUE.parse().expect("uuid"));
            brigade
                .upsert_venue(&Venue {
                    allow_unpaid_close: true,
                    ..Venue::new(other, "The Other Place")
                })
                .await
                .expect("second venue");
            brigade
                .create_user(
                    OTHER_WAITER,
                    "Other Waiter",
                    PASSWORD,
                    vec![Membership {
                        venue_id: other,
                        role: Role::Waiter,
                    }],
                )
                .await
                .expect("second venue's waiter");
            drop(brigade);
            if let StoreConfig::Sqlite(path) = &store {
                // Fold the write-ahead log into the file, so that copying the file
                // alone copies everything.
                let mut conn = sqlite(path);
                conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    .expect("checkpoint");
            }
            store
        })
        .await
}

fn sqlite(path: &Path) -> SqliteConnection {
    let mut conn =
        SqliteConnection::establish(path.to_str().expect("utf-8 path")).expect("open test db");
    conn.batch_execute("PRAGMA busy_timeout = 5000")
        .expect("busy timeout");
    conn
}

/// One test's database, dropped (or deleted) with it.
pub struct TestDb {
    pub store: StoreConfig,
    /// The PostgreSQL database's name, or the SQLite file.
    name: String,
    pg: Option<tokio_postgres::Client>,
}

impl TestDb {
    /// A copy of the seeded template.
    pub async fn from_template() -> TestDb {
        let template = template().await;
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        match template {
            StoreConfig::Postgres(template_url) => {
                let template = template_url.rsplit('/').next().expect("db name");
                let name = format!("brigade_test_{}_{n}", std::process::id());
                let admin = pg_admin().await;
                // A just-closed connection to the template may linger for a moment.
                let mut attempt = 0;
                loop {
                    match admin
                        .simple_query(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
                        .await
                    {
                        Ok(_) => break,
                        Err(e) if attempt < 50 && e.to_string().contains("being accessed") => {
                            attempt += 1;
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                        Err(e) => panic!("cloning the template: {e}"),
                    }
                }
                Self::postgres(name).await
            }
            StoreConfig::Sqlite(template) => {
                let path = sqlite_dir().join(format!("test-{n}.db"));
                std::fs::copy(template, &path).expect("copy the template");
                Self::sqlite_file(path)
            }
        }
    }

    /// An empty database (no migrations), for tests that drive migrations or the CLI.
    pub async fn empty(suffix: &str) -> TestDb {
        Self::empty_on(backend(), suffix).await
    }

    /// An empty database on a given store, whichever the suite runs on.
    pub async fn empty_on(backend: Backend, suffix: &str) -> TestDb {
        match backend {
            Backend::Postgres => {
                let name = format!("brigade_test_{}_{suffix}", std::process::id());
                let admin = pg_admin().await;
                admin
                    .simple_query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await
                    .expect("drop");
                admin
                    .simple_query(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create");
                Self::postgres(name).await
            }
            Backend::Sqlite => {
                std::fs::create_dir_all(sqlite_dir()).expect("test dir");
                let path = sqlite_dir().join(format!("{suffix}.db"));
                remove_sqlite(&path);
                Self::sqlite_file(path)
            }
        }
    }

    async fn postgres(name: String) -> TestDb {
        let url = pg_url(&name);
        let (pg, conn) = tokio_postgres::connect(&url, NoTls).await.expect("test db");
        actix_web::rt::spawn(conn);
        TestDb {
            store: StoreConfig::Postgres(url),
            name,
            pg: Some(pg),
        }
    }

    fn sqlite_file(path: PathBuf) -> TestDb {
        TestDb {
            name: path.display().to_string(),
            store: StoreConfig::Sqlite(path),
            pg: None,
        }
    }

    /// The value of `BRIGADE_DATABASE_URL` that names this database.
    pub fn url(&self) -> String {
        match &self.store {
            StoreConfig::Postgres(url) => url.clone(),
            StoreConfig::Sqlite(path) => format!("sqlite://{}", path.display()),
        }
    }

    pub fn args(&self) -> DatabaseArgs {
        DatabaseArgs::new(Some(self.url()))
    }

    /// One integer column of every row. SQL must suit both stores (`CAST(.. AS BIGINT)`,
    /// not `::int8`).
    pub async fn integers(&self, sql: &str) -> Vec<i64> {
        match &self.pg {
            Some(pg) => pg_rows(pg, sql).await.iter().map(|r| r.get(0)).collect(),
            None => self
                .sqlite_texts(sql)
                .iter()
                .map(|t| {
                    t.parse()
                        .unwrap_or_else(|_| panic!("{sql}: {t:?} is no integer"))
                })
                .collect(),
        }
    }

    /// One text column of every row (`CAST(.. AS TEXT)` for ids and JSON).
    pub async fn texts(&self, sql: &str) -> Vec<String> {
        match &self.pg {
            Some(pg) => pg_rows(pg, sql).await.iter().map(|r| r.get(0)).collect(),
            None => self.sqlite_texts(sql),
        }
    }

    /// SQLite hands any column out as text; diesel reads it by name (`value`).
    fn sqlite_texts(&self, sql: &str) -> Vec<String> {
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = Text)]
            value: String,
        }
        let StoreConfig::Sqlite(path) = &self.store else {
            unreachable!("only SQLite databases have no PostgreSQL client")
        };
        let sql = format!("WITH q(value) AS ({sql}) SELECT value FROM q");
        diesel::sql_query(&sql)
            .load::<Row>(&mut sqlite(path))
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .into_iter()
            .map(|r| r.value)
            .collect()
    }

    pub async fn exec(&self, sql: &str) {
        match (&self.pg, &self.store) {
            (Some(pg), _) => pg
                .batch_execute(sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}")),
            (None, StoreConfig::Sqlite(path)) => sqlite(path)
                .batch_execute(sql)
                .unwrap_or_else(|e| panic!("{sql}: {e}")),
            (None, StoreConfig::Postgres(_)) => unreachable!("postgres has a client"),
        }
    }
}

async fn pg_rows(pg: &tokio_postgres::Client, sql: &str) -> Vec<tokio_postgres::Row> {
    pg.query(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
}

fn remove_sqlite(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(file));
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.store {
            StoreConfig::Sqlite(path) => remove_sqlite(path),
            StoreConfig::Postgres(_) => {
                let name = self.name.clone();
                // Drop is synchronous: drop the database from a thread with its own
                // runtime (awaiting here would block the runtime the test runs on).
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("runtime");
                    rt.block_on(async move {
                        let client = pg_admin().await;
                        let _ = client
                            .simple_query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .await;
                    });
                })
                .join();
            }
        }
    }
}
