//! Each aggregate's store port implemented on [`crate::tx::SqlTx`], once for both
//! dialects: every query runs through [`crate::tx::on!`]. What differs by dialect is
//! marked where it is: row locks (`FOR UPDATE` on PostgreSQL; a SQLite write transaction
//! already holds the database's only write lock from `BEGIN IMMEDIATE`), FEFO's
//! `NULLS LAST` (it matches PostgreSQL's index), and three raw statements.

mod checks;
mod events;
mod idempotency;
mod menu;
pub(crate) mod modifiers;
mod operations;
mod orders;
mod products;
mod stock;
mod tables;
mod users;
mod venues;
