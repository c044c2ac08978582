//! `brigade`: the restaurant operations backend.

use anyhow::Context;
use brigade_app::config::{DatabaseArgs, ServeArgs};
use brigade_application::model::Membership;
use brigade_domain::{Role, VenueId};
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

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
    Serve(ServeArgs),
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
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a staff account (or reset its password and role).
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
}

fn init_logging() {
    let filter = EnvFilter::try_from_env("BRIGADE_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(ansi)
        .init();
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logging();
    match cli.command {
        Command::Serve(args) => {
            let running = brigade_app::server::start(&args).await?;
            tracing::info!(address = %running.addr, "brigade is serving");
            println!("Brigade listening on http://{}", running.addr);
            if args.demo {
                println!(
                    "Demo venue {} — log in with POST /api/v1/auth/login as admin@beerflow.demo / {}",
                    brigade_app::seed::DEMO_VENUE,
                    brigade_app::seed::DEMO_PASSWORD
                );
            }
            running.server.await?;
        }
        Command::Migrate(database) => {
            let applied = brigade_postgres::migrate(database.url()?).await?;
            if applied.is_empty() {
                println!("Database is up to date.");
            } else {
                for version in applied {
                    println!("Applied {version}");
                }
            }
        }
        Command::Seed { database, demo: _ } => {
            let url = database.url()?;
            brigade_postgres::migrate(url).await?;
            let brigade = brigade_app::server::brigade(url, 2)?;
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
            let brigade = brigade_app::server::brigade(database.url()?, 2)?;
            let id = brigade
                .upsert_user(
                    &email,
                    &name,
                    &password,
                    vec![Membership {
                        venue_id: VenueId::from_uuid(venue),
                        role,
                    }],
                )
                .await?;
            println!("User {id} ({role}) ready in venue {venue}.");
        }
    }
    Ok(())
}
