#![doc = include_str!("../README.md")]

pub mod config;
pub mod metrics;
mod passwords;
pub mod seed;
pub mod server;
pub mod transfer;
