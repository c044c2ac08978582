//! An order's receipt (DESIGN §9): what a guest is handed, as JSON for a printer or a
//! screen to lay out. Non-fiscal: Brigade is not a fiscal printer.

use actix_web::{HttpResponse, get, web};
use brigade_application::usecases::checks::Receipt;
use brigade_domain::{Money, Percent, Quantity};
use serde::Serialize;
use time::OffsetDateTime;

use super::checks::CheckDto;
use super::ok;
use super::orders::OrderPath;
use crate::auth::Acting;
use crate::{ApiError, AppState};

/// A line as printed.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReceiptLine {
    pub name: String,
    pub quantity: Quantity,
    /// With its options' deltas.
    pub unit_price: Money,
    /// The options chosen, by name.
    pub options: Vec<String>,
    /// Unit price × quantity.
    pub amount: Money,
    /// Its discount and its share of the check's.
    pub discount: Money,
    pub tax_rate: Percent,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReceiptDto {
    /// Always true: not a fiscal document.
    pub non_fiscal: bool,
    pub notice: &'static str,
    pub venue: String,
    /// ISO 4217: the currency of every amount.
    pub currency: String,
    pub order_number: i64,
    pub table_name: Option<String>,
    pub covers: i32,
    #[serde(with = "time::serde::rfc3339")]
    pub opened_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub completed_at: Option<OffsetDateTime>,
    pub lines: Vec<ReceiptLine>,
    /// The check: totals, taxes by rate, payments.
    pub check: CheckDto,
}

impl ReceiptDto {
    fn of(receipt: Receipt) -> Option<Self> {
        let Receipt { venue, order } = receipt;
        let check = order.check?;
        let lines = order
            .items
            .into_iter()
            .zip(&check.check.lines)
            .map(|(item, figures)| ReceiptLine {
                amount: item.unit_price.times(item.quantity).unwrap_or(Money::ZERO),
                name: item.product_name,
                quantity: item.quantity,
                unit_price: item.unit_price,
                options: item.options.into_iter().map(|o| o.option_name).collect(),
                discount: figures.discount,
                tax_rate: item.tax_rate,
            })
            .collect();
        Some(Self {
            non_fiscal: true,
            notice: "Not a fiscal receipt.",
            venue: venue.name,
            currency: venue.currency.code(),
            order_number: order.order_number,
            table_name: order.table_name,
            covers: order.covers,
            opened_at: order.created_at,
            completed_at: order.completed_at,
            lines,
            check: check.into(),
        })
    }
}

#[utoipa::path(
    tag = "checks",
    operation_id = "get_receipt",
    summary = "An order's receipt (non-fiscal)",
    params(OrderPath),
    responses((status = 200, description = "The lines as printed, the check and its payments; marked non-fiscal.", body = ReceiptDto))
)]
#[get("/orders/{order_id}/receipt")]
pub(crate) async fn get(
    state: web::Data<AppState>,
    Acting(actor): Acting,
    path: web::Path<OrderPath>,
) -> Result<HttpResponse, ApiError> {
    let receipt = state.brigade.receipt(&actor, path.id()).await?;
    let dto = ReceiptDto::of(receipt).ok_or_else(|| ApiError::not_found("order not found"))?;
    Ok(ok(dto))
}
