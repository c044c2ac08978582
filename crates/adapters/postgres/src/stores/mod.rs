//! Each aggregate's store port implemented on [`crate::uow::PgTx`].

mod events;
mod idempotency;
mod orders;
mod products;
mod stock;
mod tables;
mod users;
mod venues;
