//! Each aggregate's store port implemented on [`crate::uow::SqliteTx`]. The write
//! transaction holds the database's write lock from its start (`BEGIN IMMEDIATE`), so
//! the ports' "lock" methods are plain reads here.

mod events;
mod idempotency;
mod orders;
mod products;
mod stock;
mod tables;
mod users;
mod venues;
