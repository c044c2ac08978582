#![doc = include_str!("../README.md")]

mod cache;
pub mod config;
mod host;
mod jobs;
pub mod metrics;
mod secrets;
pub use secrets::{DEV_SECRET_FILE, estimated_bits};
mod passwords;
pub mod seed;
pub mod server;
pub mod smoke;
pub mod transfer;
