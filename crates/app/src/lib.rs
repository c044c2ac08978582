#![doc = include_str!("../README.md")]

pub mod config;
pub mod metrics;
pub mod seed;
pub mod server;
pub mod transfer;
