//! Brigade through its REST API on a real PostgreSQL: the seed's scenarios and the
//! rules of DESIGN §3–5. See `support.rs` for how each test gets its own database.

mod bad_input;
mod cli;
mod concurrency;
mod fefo;
mod idempotency;
mod isolation;
mod migrations;
mod support;
mod transitions;
mod workflow;
