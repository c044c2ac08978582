#![doc = include_str!("../README.md")]

mod error;
pub mod model;
mod page;
pub mod ports;
mod service;
pub mod usecases;

pub use error::{AppError, StoreError};
pub use page::{Page, Paged};
pub use service::{Actor, Brigade, LocalBus, RecordOnly, SystemClock};
