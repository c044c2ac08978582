//! The day's figures for managers (DESIGN §9): `GET /summary?date=`.

use actix_web::{HttpResponse, get, web};
use brigade_application::usecases::summary::{DaySummary, MethodTakings};
use brigade_domain::{Money, PaymentMethod};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::ok;
use crate::auth::Acting;
use crate::dto::iso_date;
use crate::{ApiError, AppState};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct SummaryQuery {
    /// A business day of the venue, `YYYY-MM-DD`; today's when absent.
    #[serde(default, with = "iso_date::option")]
    #[param(value_type = Option<String>, format = Date)]
    date: Option<Date>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TakingsDto {
    pub method: PaymentMethod,
    pub payments: i64,
    pub amount: Money,
    pub tips: Money,
}

impl From<MethodTakings> for TakingsDto {
    fn from(t: MethodTakings) -> Self {
        Self {
            method: t.method,
            payments: t.payments,
            amount: t.amount,
            tips: t.tips,
        }
    }
}

/// A business day's figures, in the venue's currency.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SummaryDto {
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub date: Date,
    /// The day's bounds, `[from, to)`: the venue's day start in its time zone.
    #[serde(with = "time::serde::rfc3339")]
    pub from: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub to: OffsetDateTime,
    pub currency: String,
    /// Orders opened in the day; how many of them completed, and were cancelled.
    pub orders: i64,
    pub completed: i64,
    pub cancelled: i64,
    /// Payments taken in the day, by method (refunded ones included: refunds count on
    /// the day they are given).
    pub takings: Vec<TakingsDto>,
    pub revenue: Money,
    pub tips: Money,
    pub refunds: i64,
    pub refunded: Money,
    /// Discounts on the day's orders (cancelled ones excluded).
    pub discounts: Money,
    /// The mean check of the day's completed orders.
    pub average_check: Option<Money>,
    /// The mean time from confirmed to ready, in minutes.
    pub average_ticket_minutes: Option<f64>,
    /// Orders open now (any day), and what is still due on them.
    pub open_checks: i64,
    pub open_due: Money,
}

impl From<DaySummary> for SummaryDto {
    fn from(s: DaySummary) -> Self {
        Self {
            date: s.date,
            from: s.from,
            to: s.to,
            currency: s.currency.code(),
            orders: s.orders,
            completed: s.completed,
            cancelled: s.cancelled,
            takings: s.takings.into_iter().map(TakingsDto::from).collect(),
            revenue: s.revenue,
            tips: s.tips,
            refunds: s.refunds,
            refunded: s.refunded,
            discounts: s.discounts,
            average_check: s.average_check,
            average_ticket_minutes: s.average_ticket_minutes,
            open_checks: s.open_checks,
            open_due: s.open_due,
        }
    }
}

#[utoipa::path(
    tag = "checks",
    operation_id = "get_day_summary",
    summary = "A business day's figures (managers)",
    params(SummaryQuery),
    responses((status = 200, description = "Orders, takings by method, tips, refunds, discounts, the average check and ticket time, and the open checks.", body = SummaryDto))
)]
#[get("/summary")]
pub(crate) async fn get(
    state: web::Data<AppState>,
    Acting(actor): Acting,
    query: web::Query<SummaryQuery>,
) -> Result<HttpResponse, ApiError> {
    let summary = state.brigade.day_summary(&actor, query.date).await?;
    Ok(ok(SummaryDto::from(summary)))
}
