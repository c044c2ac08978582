use async_trait::async_trait;
use brigade_application::model::{OrderDiscount, Payment, Refund, TaxClass};
use brigade_application::ports::CheckStore;
use brigade_application::{Page, StoreError};
use brigade_domain::check::Discount;
use brigade_domain::{DiscountId, Money, OrderId, PaymentId, PaymentState, VenueId};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use time::OffsetDateTime;

use crate::rows::{parse_with, percent};
use crate::schema::{discounts as dis, payments as pay, tax_classes as tc};
use crate::tx::{SqlTx, on};
use crate::types::{AsKey, At, Key};

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = tc, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct TaxClassRow {
    venue_id: Key,
    id: Key,
    name: String,
    rate: i32,
    is_default: bool,
    created_at: At,
    updated_at: At,
}

impl TaxClassRow {
    fn of(c: &TaxClass) -> Self {
        Self {
            venue_id: c.venue_id.key(),
            id: c.id.key(),
            name: c.name.clone(),
            rate: c.rate.thousandths() as i32,
            is_default: c.is_default,
            created_at: At(c.created_at),
            updated_at: At(c.updated_at),
        }
    }

    fn model(self) -> Result<TaxClass, StoreError> {
        Ok(TaxClass {
            id: self.id.into(),
            venue_id: self.venue_id.into(),
            name: self.name,
            rate: percent(self.rate, "tax rate")?,
            is_default: self.is_default,
            created_at: self.created_at.0,
            updated_at: self.updated_at.0,
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = pay, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct PaymentRow {
    venue_id: Key,
    id: Key,
    order_id: Key,
    method: String,
    state: String,
    amount_minor: i64,
    tip_minor: i64,
    tendered_minor: Option<i64>,
    change_minor: Option<i64>,
    reference: Option<String>,
    created_by: Key,
    created_at: At,
    updated_at: At,
    refunded_by: Option<Key>,
    refund_reason: Option<String>,
}

impl PaymentRow {
    fn of(p: &Payment) -> Self {
        Self {
            venue_id: p.venue_id.key(),
            id: p.id.key(),
            order_id: p.order_id.key(),
            method: p.method.as_str().to_owned(),
            state: p.state.as_str().to_owned(),
            amount_minor: p.amount.minor(),
            tip_minor: p.tip.minor(),
            tendered_minor: p.tendered.map(Money::minor),
            change_minor: p.change.map(Money::minor),
            reference: p.reference.clone(),
            created_by: p.created_by.key(),
            created_at: At(p.created_at),
            updated_at: At(p.updated_at),
            refunded_by: p.refund.as_ref().map(|r| r.by.key()),
            refund_reason: p.refund.as_ref().map(|r| r.reason.clone()),
        }
    }

    fn model(self) -> Result<Payment, StoreError> {
        let refund = match (self.refunded_by, self.refund_reason) {
            (Some(by), Some(reason)) => Some(Refund {
                by: by.into(),
                reason,
            }),
            _ => None,
        };
        Ok(Payment {
            id: self.id.into(),
            venue_id: self.venue_id.into(),
            order_id: self.order_id.into(),
            method: parse_with(
                &self.method,
                "payment method",
                brigade_domain::PaymentMethod::parse,
            )?,
            state: parse_with(&self.state, "payment state", PaymentState::parse)?,
            amount: Money::from_minor(self.amount_minor),
            tip: Money::from_minor(self.tip_minor),
            tendered: self.tendered_minor.map(Money::from_minor),
            change: self.change_minor.map(Money::from_minor),
            reference: self.reference,
            created_by: self.created_by.into(),
            created_at: self.created_at.0,
            updated_at: self.updated_at.0,
            refund,
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = dis, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct DiscountRow {
    venue_id: Key,
    id: Key,
    order_id: Key,
    item_id: Option<Key>,
    percent: Option<i32>,
    amount_minor: Option<i64>,
    reason: String,
    created_by: Key,
    created_at: At,
}

impl DiscountRow {
    fn of(d: &OrderDiscount) -> Self {
        let (percent, amount_minor) = match d.discount {
            Discount::Percent(p) => (Some(p.thousandths() as i32), None),
            Discount::Amount(a) => (None, Some(a.minor())),
        };
        Self {
            venue_id: d.venue_id.key(),
            id: d.id.key(),
            order_id: d.order_id.key(),
            item_id: d.item_id.map(|i| i.key()),
            percent,
            amount_minor,
            reason: d.reason.clone(),
            created_by: d.created_by.key(),
            created_at: At(d.created_at),
        }
    }

    fn model(self) -> Result<OrderDiscount, StoreError> {
        // The table's CHECK keeps exactly one of the two.
        let discount = match (self.percent, self.amount_minor) {
            (Some(p), _) => Discount::Percent(percent(p, "discount percent")?),
            (None, Some(a)) => Discount::Amount(Money::from_minor(a)),
            (None, None) => {
                return Err(StoreError::Unknown(anyhow::anyhow!(
                    "stored discount {} has neither percent nor amount",
                    self.id.0
                )));
            }
        };
        Ok(OrderDiscount {
            id: self.id.into(),
            venue_id: self.venue_id.into(),
            order_id: self.order_id.into(),
            item_id: self.item_id.map(Into::into),
            discount,
            reason: self.reason,
            created_by: self.created_by.into(),
            created_at: self.created_at.0,
        })
    }
}

#[async_trait]
impl CheckStore for SqlTx {
    async fn payments_of(
        &mut self,
        venue: VenueId,
        orders: &[OrderId],
    ) -> Result<Vec<Payment>, StoreError> {
        let ids: Vec<Key> = orders.iter().map(AsKey::key).collect();
        let rows: Vec<PaymentRow> = on!(&mut self.conn, |c| pay::table
            .filter(
                pay::venue_id
                    .eq(venue.key())
                    .and(pay::order_id.eq_any(&ids))
            )
            .order((pay::created_at, pay::id))
            .select(PaymentRow::as_select())
            .load(c)
            .await)?;
        rows.into_iter().map(PaymentRow::model).collect()
    }

    async fn discounts_of(
        &mut self,
        venue: VenueId,
        orders: &[OrderId],
    ) -> Result<Vec<OrderDiscount>, StoreError> {
        let ids: Vec<Key> = orders.iter().map(AsKey::key).collect();
        let rows: Vec<DiscountRow> = on!(&mut self.conn, |c| dis::table
            .filter(
                dis::venue_id
                    .eq(venue.key())
                    .and(dis::order_id.eq_any(&ids))
            )
            .order((dis::created_at, dis::id))
            .select(DiscountRow::as_select())
            .load(c)
            .await)?;
        rows.into_iter().map(DiscountRow::model).collect()
    }

    async fn payments_between(
        &mut self,
        venue: VenueId,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<Payment>, StoreError> {
        let (from, to) = (At(from), At(to));
        let rows: Vec<PaymentRow> = on!(&mut self.conn, |c| pay::table
            .filter(pay::venue_id.eq(venue.key()))
            .filter(
                (pay::created_at.ge(from).and(pay::created_at.lt(to)))
                    .or(pay::updated_at.ge(from).and(pay::updated_at.lt(to))),
            )
            .order((pay::created_at, pay::id))
            .select(PaymentRow::as_select())
            .load(c)
            .await)?;
        rows.into_iter().map(PaymentRow::model).collect()
    }

    async fn insert_discount(&mut self, discount: &OrderDiscount) -> Result<(), StoreError> {
        let row = DiscountRow::of(discount);
        on!(&mut self.conn, |c| diesel::insert_into(dis::table)
            .values(&row)
            .execute(c)
            .await)?;
        Ok(())
    }

    async fn discounts(
        &mut self,
        venue: VenueId,
        order: OrderId,
    ) -> Result<Vec<OrderDiscount>, StoreError> {
        let rows: Vec<DiscountRow> = on!(&mut self.conn, |c| dis::table
            .filter(
                dis::venue_id
                    .eq(venue.key())
                    .and(dis::order_id.eq(order.key()))
            )
            .order((dis::created_at, dis::id))
            .select(DiscountRow::as_select())
            .load(c)
            .await)?;
        rows.into_iter().map(DiscountRow::model).collect()
    }

    async fn delete_discount(&mut self, venue: VenueId, id: DiscountId) -> Result<(), StoreError> {
        on!(&mut self.conn, |c| diesel::delete(dis::table.filter(
            dis::venue_id.eq(venue.key()).and(dis::id.eq(id.key()))
        ))
        .execute(c)
        .await)?;
        Ok(())
    }

    async fn insert_tax_class(&mut self, class: &TaxClass) -> Result<(), StoreError> {
        let row = TaxClassRow::of(class);
        on!(&mut self.conn, |c| diesel::insert_into(tc::table)
            .values(&row)
            .execute(c)
            .await)?;
        Ok(())
    }

    async fn update_tax_class(&mut self, class: &TaxClass) -> Result<(), StoreError> {
        let row = TaxClassRow::of(class);
        on!(&mut self.conn, |c| diesel::update(
            tc::table.filter(
                tc::venue_id
                    .eq(class.venue_id.key())
                    .and(tc::id.eq(class.id.key()))
            )
        )
        .set(&row)
        .execute(c)
        .await)?;
        Ok(())
    }

    async fn tax_classes(
        &mut self,
        venue: VenueId,
        page: Page,
    ) -> Result<Vec<TaxClass>, StoreError> {
        let rows: Vec<TaxClassRow> = on!(&mut self.conn, |c| tc::table
            .filter(tc::venue_id.eq(venue.key()))
            .order((tc::name, tc::id))
            .limit(page.fetch())
            .offset(page.offset)
            .select(TaxClassRow::as_select())
            .load(c)
            .await)?;
        rows.into_iter().map(TaxClassRow::model).collect()
    }

    async fn clear_default_tax_class(&mut self, venue: VenueId) -> Result<(), StoreError> {
        on!(&mut self.conn, |c| diesel::update(tc::table.filter(
            tc::venue_id.eq(venue.key()).and(tc::is_default.eq(true))
        ))
        .set(tc::is_default.eq(false))
        .execute(c)
        .await)?;
        Ok(())
    }

    async fn insert_payment(&mut self, payment: &Payment) -> Result<(), StoreError> {
        let row = PaymentRow::of(payment);
        on!(&mut self.conn, |c| diesel::insert_into(pay::table)
            .values(&row)
            .execute(c)
            .await)?;
        Ok(())
    }

    async fn payments(
        &mut self,
        venue: VenueId,
        order: OrderId,
    ) -> Result<Vec<Payment>, StoreError> {
        let rows: Vec<PaymentRow> = on!(&mut self.conn, |c| pay::table
            .filter(
                pay::venue_id
                    .eq(venue.key())
                    .and(pay::order_id.eq(order.key()))
            )
            .order((pay::created_at, pay::id))
            .select(PaymentRow::as_select())
            .load(c)
            .await)?;
        rows.into_iter().map(PaymentRow::model).collect()
    }

    async fn refund_payment(
        &mut self,
        venue: VenueId,
        id: PaymentId,
        refund: &Refund,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        on!(&mut self.conn, |c| diesel::update(pay::table.filter(
            pay::venue_id.eq(venue.key()).and(pay::id.eq(id.key()))
        ))
        .set((
            pay::state.eq(PaymentState::Refunded.as_str()),
            pay::refunded_by.eq(Some(refund.by.key())),
            pay::refund_reason.eq(Some(refund.reason.clone())),
            pay::updated_at.eq(At(at)),
        ))
        .execute(c)
        .await)?;
        Ok(())
    }
}
