//! Brigade through its REST API: the seed's scenarios and the rules of DESIGN §3–5.
//! The same suite is the contract of both stores: it runs on PostgreSQL or on the
//! embedded SQLite store (`BRIGADE_TEST_STORE`; `store.rs` says how each test gets its
//! own database).

mod bad_input;
mod checks;
mod cli;
mod concurrency;
mod contract;
mod fefo;
mod floor;
mod hardening;
mod health;
mod idempotency;
mod instances;
mod isolation;
mod kds;
mod logins;
mod menu;
mod menu_cache;
mod migrations;
mod modifiers;
mod nginx;
mod openapi;
mod operators;
mod pagination;
mod performance;
mod realtime;
mod retention;
mod roles;
mod schema;
mod sessions;
mod staff;
mod store;
mod summary;
mod support;
mod sweep;
mod telemetry;
mod timeouts;
mod transfer;
mod transitions;
mod venues;
mod workflow;
