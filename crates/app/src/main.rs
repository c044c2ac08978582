//! `brigade`: the restaurant operations backend.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use brigade_app::config::{DatabaseArgs, ServeArgs, StoreConfig};
use brigade_application::model::Membership;
use brigade_application::usecases::venues::VenuePatch;
use brigade_application::{Actor, AppError};
use brigade_domain::{Role, UserId, VenueId};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "brigade",
    version,
    about = "Restaurant operations backend: orders, kitchen display, FEFO stock"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (applies pending migrations first).
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations.
    Migrate(DatabaseArgs),
    /// Load demo data (the seeds' demo venue and staff). Development and tests only.
    Seed {
        #[command(flatten)]
        database: DatabaseArgs,
        /// Required: says you mean the demo data.
        #[arg(long, required = true)]
        demo: bool,
    },
    /// Write the embedded store's data to a file, to move it to PostgreSQL
    /// (docs/EMBEDDED.md). Safe while the server runs: one consistent snapshot.
    Export {
        #[command(flatten)]
        database: DatabaseArgs,
        /// Where to write (JSON Lines). Created readable by its owner only (0600).
        #[arg(long, default_value = "brigade-export.jsonl")]
        out: PathBuf,
        /// Include the accounts' password hashes, so sign-ins carry over to the import.
        /// Without it every account arrives without a password. Keep such a file like
        /// the database itself, and delete it once imported.
        #[arg(long)]
        with_password_hashes: bool,
    },
    /// Load an export into an empty PostgreSQL database (BRIGADE_DATABASE_URL), in one
    /// transaction: everything or nothing.
    Import {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The file `brigade export` wrote.
        file: PathBuf,
    },
    /// Manage venues.
    Venue {
        #[command(subcommand)]
        command: VenueCommand,
    },
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Print the OpenAPI 3.1 document of this build's API (what
    /// `GET /api/v1/openapi.json` serves), to generate clients offline.
    Openapi,
    /// The shared read cache (Redis).
    Cache {
        #[command(subcommand)]
        command: CacheCommand,
    },
    /// Run the critical flows against a running server (deploy/deploy.sh does after a
    /// release): login, the menu, a table, an order opened and confirmed, the kitchen
    /// display, its event on a WebSocket. As a hidden smoke venue's waiter, provisioned
    /// through the database: real kitchens and figures never see it. Exit status 1 on
    /// the first failing check.
    Smoke {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The server (an instance, or a plain-HTTP front), e.g. http://127.0.0.1:8080.
        #[arg(long)]
        url: String,
        /// Also write the run as JSON here.
        #[arg(long)]
        report: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum CacheCommand {
    /// Fill the shared cache with the menus of the venues that took orders in the last
    /// week, most recent first (deploy/deploy.sh runs it after a release).
    Warm {
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(flatten)]
        realtime: brigade_app::config::RealtimeArgs,
        /// The instances' token signing secret: cache entries are sealed with a key
        /// derived from it, and the instances read only entries they can verify.
        #[arg(long, env = "BRIGADE_JWT_SECRET", hide_env_values = true)]
        jwt_secret: String,
        /// At most this many venues.
        #[arg(long, default_value_t = brigade_app::server::WARM_VENUES)]
        venues: i64,
    },
}

#[derive(Subcommand)]
enum VenueCommand {
    /// Create a venue; its admins configure the rest over HTTP (PATCH /api/v1/venues/{id}).
    Create {
        #[command(flatten)]
        database: DatabaseArgs,
        #[arg(long)]
        name: String,
        /// IANA time zone: the venue's days (FEFO expiry, daily figures) are local.
        #[arg(long, default_value = "UTC")]
        timezone: String,
        /// ISO 4217 code with two decimals.
        #[arg(long, default_value = "EUR")]
        currency: String,
        /// The venue's first admin: an existing account joins; a new email gets an
        /// account and a one-time set-password token, printed once.
        #[arg(long)]
        admin: Option<String>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a staff account with a role in a venue. An email that has an account
    /// only gets the role: its name and password stay its owner's.
    Create {
        #[command(flatten)]
        database: DatabaseArgs,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// The venue the account works in.
        #[arg(long)]
        venue: uuid::Uuid,
        /// admin, manager, waiter or kitchen.
        #[arg(long)]
        role: Role,
        /// The password; read from BRIGADE_USER_PASSWORD so it stays out of shell history.
        #[arg(long, env = "BRIGADE_USER_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Disable an account: it can no longer log in, and its sessions end on every
    /// instance within two seconds (open kitchen screens close).
    Disable {
        #[command(flatten)]
        database: DatabaseArgs,
        email: String,
    },
    /// Enable a disabled account again (it logs in anew).
    Enable {
        #[command(flatten)]
        database: DatabaseArgs,
        email: String,
    },
}

/// `brigade venue create`.
async fn create_venue(
    database: &DatabaseArgs,
    name: &str,
    timezone: String,
    currency: String,
    admin: Option<&str>,
) -> anyhow::Result<()> {
    if admin.is_some_and(|email| !email.contains('@')) {
        anyhow::bail!("--admin must be an email address");
    }
    let store = database.store()?;
    brigade_app::server::migrate(&store).await?;
    let brigade = brigade_app::server::brigade(&store, 2)?;
    let settings = VenuePatch {
        timezone: Some(timezone),
        currency: Some(currency),
        ..VenuePatch::default()
    };
    let venue = brigade.create_venue(name, settings).await?;
    println!(
        "Venue {} ({}) created: {}, {}.",
        venue.id,
        venue.name,
        venue.timezone.name(),
        venue.currency.code()
    );
    let Some(email) = admin else {
        println!(
            "It has no admin yet: brigade user create --venue {} --role admin ...",
            venue.id
        );
        return Ok(());
    };
    // The operator acts as the new venue's admin to add its first one.
    let operator = Actor {
        user_id: UserId::from_uuid(uuid::Uuid::nil()),
        venue_id: venue.id,
        role: Role::Admin,
    };
    let added = brigade
        .add_staff(&operator, email, email, Role::Admin)
        .await?;
    match added.set_password {
        Some(token) => println!(
            "Admin {email} created. They set their password, once, before {}:\n  \
             POST /api/v1/auth/set-password {{\"token\": \"{}\", \"password\": \"...\"}}",
            token.expires_at, token.token
        ),
        None => println!("Admin {email} (an existing account) joined the venue."),
    }
    Ok(())
}

/// `brigade user disable|enable EMAIL`.
async fn set_disabled(database: &DatabaseArgs, email: &str, disabled: bool) -> anyhow::Result<()> {
    let brigade = brigade_app::server::brigade(&database.store()?, 2)?;
    let id = brigade
        .set_user_disabled(email, disabled)
        .await
        .map_err(|e| match e {
            AppError::NotFound { .. } => anyhow::anyhow!("no account has the email {email}"),
            e => e.into(),
        })?;
    if disabled {
        println!("User {id} ({email}) disabled; their sessions end within 2 s.");
    } else {
        println!("User {id} ({email}) enabled; they log in again.");
    }
    Ok(())
}

/// Rows per table, and the total.
fn report(what: &str, counts: &std::collections::BTreeMap<String, u64>) {
    let total: u64 = counts.values().sum();
    println!("{what} {total} rows:");
    for (table, rows) in counts {
        println!("  {table:<18} {rows:>8}");
    }
}

/// The store for people: PostgreSQL without its credentials, SQLite as an absolute path.
fn describe(store: &StoreConfig) -> String {
    match store {
        StoreConfig::Postgres(url) => {
            let host = url.rsplit('@').next().unwrap_or(url);
            format!(
                "PostgreSQL at {}",
                host.trim_start_matches("postgres://")
                    .trim_start_matches("postgresql://")
            )
        }
        StoreConfig::Sqlite(path) => {
            let path = std::path::absolute(path).unwrap_or_else(|_| path.clone());
            format!("embedded SQLite at {}", path.display())
        }
    }
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // Outside the runtime: the OTLP exporters run on threads of their own.
    let telemetry = brigade_telemetry::init();
    let result = actix_web::rt::System::new().block_on(run(cli));
    telemetry.shutdown();
    result
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => {
            let store = args.database.store()?;
            let running = brigade_app::server::start(&args).await?;
            tracing::info!(address = %running.addr, store = %describe(&store), "brigade is serving");
            let base = format!("http://{}", running.addr);
            let mut banner = format!(
                "Brigade listening on {base}\n  store:  {}\n  health: {base}/health\n",
                describe(&store)
            );
            if args.demo {
                let password = brigade_app::seed::DEMO_PASSWORD;
                banner.push_str(&format!(
                    "  demo venue {} (staff admin@, manager@, waiter1@, chef@beerflow.demo; password {password})\n\
                     \x20 log in: curl -s {base}/api/v1/auth/login -H 'content-type: application/json' \\\n\
                     \x20           -d '{{\"email\":\"admin@beerflow.demo\",\"password\":\"{password}\"}}'\n",
                    brigade_app::seed::DEMO_VENUE,
                ));
            }
            // Not println!: a closed stdout (a supervisor that stopped reading) must not
            // take the server down.
            let mut stdout = std::io::stdout();
            let _ = stdout
                .write_all(banner.as_bytes())
                .and_then(|()| stdout.flush());
            running.server.await?;
        }
        Command::Cache {
            command:
                CacheCommand::Warm {
                    database,
                    realtime,
                    jwt_secret,
                    venues,
                },
        } => {
            if !(1..=10_000).contains(&venues) {
                anyhow::bail!("--venues must be between 1 and 10000");
            }
            let store = database.store()?;
            let started = std::time::Instant::now();
            let warmed =
                brigade_app::server::warm_shared_cache(&store, &realtime, &jwt_secret, venues)
                    .await?;
            println!(
                "Warmed the menu cache: {warmed} venues, {} ms.",
                started.elapsed().as_millis()
            );
        }
        Command::Smoke {
            database,
            url,
            report,
        } => {
            let store = database.store()?;
            let run = brigade_app::smoke::run(&store, &url).await?;
            if let Some(path) = report {
                std::fs::write(&path, serde_json::to_vec_pretty(&run)?)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            let passed = run.checks.iter().filter(|c| c.ok).count();
            if !run.ok {
                anyhow::bail!(
                    "smoke test of {} failed after {passed} passing checks",
                    run.url
                );
            }
            println!(
                "smoke: {passed} checks passed in {:.0} ms ({} {})",
                run.total_ms,
                run.url,
                run.version.as_deref().unwrap_or("?")
            );
        }
        Command::Openapi => {
            println!("{}", brigade_http::openapi().to_pretty_json()?);
        }
        Command::Migrate(database) => {
            let store = database.store()?;
            let applied = brigade_app::server::migrate(&store).await?;
            println!("Store: {}", describe(&store));
            if applied.is_empty() {
                println!("Database is up to date.");
            } else {
                for version in applied {
                    println!("Applied {version}");
                }
            }
        }
        Command::Seed { database, demo: _ } => {
            let store = database.store()?;
            brigade_app::server::migrate(&store).await?;
            let brigade = brigade_app::server::brigade(&store, 2)?;
            brigade_app::seed::demo(&brigade)
                .await
                .context("seeding the demo venue")?;
            println!(
                "Demo venue {} ready; staff {} (password {}).",
                brigade_app::seed::DEMO_VENUE,
                brigade_app::seed::DEMO_STAFF
                    .map(|(email, _, _)| email)
                    .join(", "),
                brigade_app::seed::DEMO_PASSWORD
            );
        }
        Command::Export {
            database,
            out,
            with_password_hashes,
        } => {
            use brigade_app::transfer::Hashes;
            let store = database.store()?;
            let hashes = if with_password_hashes {
                Hashes::Included
            } else {
                Hashes::LeftOut
            };
            let counts = brigade_app::transfer::export_to(&store, &out, hashes)?;
            report("Exported", &counts);
            println!("from {} to {} (mode 0600)", describe(&store), out.display());
            match hashes {
                Hashes::Included => println!(
                    "It holds the accounts' password hashes: keep it like the database, and \
                     delete it once imported."
                ),
                Hashes::LeftOut => println!(
                    "Password hashes left out: after an import nobody can sign in until given \
                     a password (docs/EMBEDDED.md). To carry sign-ins over, export again with \
                     --with-password-hashes."
                ),
            }
        }
        Command::Import { database, file } => {
            let store = database.store()?;
            let input = std::fs::File::open(&file)
                .with_context(|| format!("opening {}", file.display()))?;
            let counts =
                brigade_app::transfer::import(&store, std::io::BufReader::new(input)).await?;
            report("Imported", &counts);
            println!("into {}", describe(&store));
        }
        Command::User {
            command:
                UserCommand::Create {
                    database,
                    email,
                    name,
                    venue,
                    role,
                    password,
                },
        } => {
            let store = database.store()?;
            brigade_app::server::migrate(&store).await?;
            let brigade = brigade_app::server::brigade(&store, 2)?;
            let (id, created) = brigade
                .create_user(
                    &email,
                    &name,
                    &password,
                    vec![Membership {
                        venue_id: VenueId::from_uuid(venue),
                        role,
                    }],
                )
                .await?;
            if created {
                println!("User {id} created: {role} in venue {venue}.");
            } else {
                println!(
                    "{email} already has an account ({id}): it is now {role} in venue {venue}; \
                     its name and password are unchanged (only its owner changes them)."
                );
            }
        }
        Command::Venue {
            command:
                VenueCommand::Create {
                    database,
                    name,
                    timezone,
                    currency,
                    admin,
                },
        } => create_venue(&database, &name, timezone, currency, admin.as_deref()).await?,
        Command::User {
            command: UserCommand::Disable { database, email },
        } => set_disabled(&database, &email, true).await?,
        Command::User {
            command: UserCommand::Enable { database, email },
        } => set_disabled(&database, &email, false).await?,
    }
    Ok(())
}
