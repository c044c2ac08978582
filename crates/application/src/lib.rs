#![doc = include_str!("../README.md")]

mod error;
pub mod model;
pub mod ports;
mod service;
pub mod usecases;

pub use error::{AppError, StoreError};
pub use service::{Actor, Brigade, LocalBus, RecordOnly, SystemClock};
