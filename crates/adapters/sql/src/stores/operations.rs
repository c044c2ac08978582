//! [`OperationsStore`]: the operators' reads across venues, raw SQL because the
//! thresholds are each venue's (durations differ by dialect: PostgreSQL intervals,
//! SQLite `julianday()` of its UTC text), and the kitchen alerts' claims.

use async_trait::async_trait;
use brigade_application::StoreError;
use brigade_application::model::{Figures, KitchenHealth, StuckOrder};
use brigade_application::ports::OperationsStore;
use brigade_domain::{OrderId, VenueId};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Integer, Nullable, Text};
use diesel_async::RunQueryDsl;
use time::OffsetDateTime;

use crate::schema::{kitchen_alerts as ka, venues};
use crate::tx::{SqlTx, on};
use crate::types::{AsKey, At, Id, Key, Stamp};

/// The time arithmetic the two dialects spell differently.
struct Dialect {
    /// How long an order has been `preparing` at `$1`, in minutes.
    minutes: &'static str,
    /// How long a ready order took in the kitchen, in seconds.
    ready_secs: &'static str,
}

const PG: Dialect = Dialect {
    minutes: "EXTRACT(EPOCH FROM ($1 - o.kitchen_started_at)) / 60.0",
    ready_secs: "CAST(EXTRACT(EPOCH FROM (o.ready_at - o.kitchen_started_at)) AS float8)",
};
const SQLITE: Dialect = Dialect {
    minutes: "(julianday($1) - julianday(o.kitchen_started_at)) * 1440.0",
    ready_secs: "(julianday(o.ready_at) - julianday(o.kitchen_started_at)) * 86400.0",
};

fn kitchen_sql(
    Dialect {
        minutes,
        ready_secs,
    }: &Dialect,
) -> String {
    format!(
        "SELECT count(*) FILTER (WHERE o.status IN ('confirmed', 'preparing', 'ready')) AS active,
                count(*) FILTER (WHERE o.status = 'preparing'
                                   AND {minutes} > v.stuck_after_minutes) AS stuck,
                count(*) FILTER (WHERE o.status = 'preparing'
                                   AND {minutes} > 2 * v.stuck_after_minutes) AS critical,
                avg({ready_secs}) FILTER (WHERE o.ready_at >= $2
                                            AND o.kitchen_started_at IS NOT NULL) AS avg_secs
           FROM orders o JOIN venues v ON v.id = o.venue_id
          WHERE NOT v.hidden AND (o.status IN ('confirmed', 'preparing', 'ready') OR o.ready_at >= $2)",
    )
}

fn stuck_sql(Dialect { minutes, .. }: &Dialect) -> String {
    format!(
        "SELECT o.venue_id, o.id, o.order_number, o.kitchen_started_at, v.stuck_after_minutes
           FROM orders o JOIN venues v ON v.id = o.venue_id
          WHERE o.status = 'preparing' AND NOT v.hidden
            AND {minutes} > v.stuck_after_minutes
            AND NOT EXISTS (SELECT 1 FROM kitchen_alerts a
                             WHERE a.venue_id = o.venue_id AND a.order_id = o.id AND a.code = $2)
          ORDER BY o.kitchen_started_at
          LIMIT $3"
    )
}

const ORDERS_SINCE: &str = "SELECT count(*) AS n FROM orders o JOIN venues v ON v.id = o.venue_id
                             WHERE NOT v.hidden AND o.created_at >= $1";
const REVENUE_SINCE: &str =
    "SELECT v.currency AS currency, CAST(sum(p.amount_minor) AS BIGINT) AS minor
       FROM payments p JOIN venues v ON v.id = p.venue_id
      WHERE NOT v.hidden AND p.state = 'captured' AND p.created_at >= $1
      GROUP BY v.currency ORDER BY v.currency";

/// SQLite's spelling of numbered parameters.
fn sqlite(sql: &str) -> String {
    sql.replace('$', "?")
}

#[derive(QueryableByName)]
struct KitchenRow {
    #[diesel(sql_type = BigInt)]
    active: i64,
    #[diesel(sql_type = BigInt)]
    stuck: i64,
    #[diesel(sql_type = BigInt)]
    critical: i64,
    #[diesel(sql_type = Nullable<Double>)]
    avg_secs: Option<f64>,
}

#[derive(QueryableByName)]
struct StuckRow {
    #[diesel(sql_type = Id)]
    venue_id: Key,
    #[diesel(sql_type = Id)]
    id: Key,
    #[diesel(sql_type = BigInt)]
    order_number: i64,
    #[diesel(sql_type = Stamp)]
    kitchen_started_at: At,
    #[diesel(sql_type = Integer)]
    stuck_after_minutes: i32,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct RevenueRow {
    #[diesel(sql_type = Text)]
    currency: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    minor: Option<i64>,
}

#[async_trait]
impl OperationsStore for SqlTx {
    async fn kitchen_health(
        &mut self,
        now: OffsetDateTime,
        ready_since: OffsetDateTime,
    ) -> Result<KitchenHealth, StoreError> {
        let row: KitchenRow = on!(&mut self.conn,
            pg: |c| diesel::sql_query(kitchen_sql(&PG))
                .bind::<Stamp, _>(At(now))
                .bind::<Stamp, _>(At(ready_since))
                .get_result(c)
                .await,
            sqlite: |c| diesel::sql_query(sqlite(&kitchen_sql(&SQLITE)))
                .bind::<Stamp, _>(At(now))
                .bind::<Stamp, _>(At(ready_since))
                .get_result(c)
                .await,
        )?;
        Ok(KitchenHealth {
            active_orders: row.active,
            stuck_in_preparing: row.stuck,
            critical: row.critical,
            avg_preparation_secs: row.avg_secs,
        })
    }

    async fn stuck_orders(
        &mut self,
        now: OffsetDateTime,
        code: &str,
        limit: i64,
    ) -> Result<Vec<StuckOrder>, StoreError> {
        let rows: Vec<StuckRow> = on!(&mut self.conn,
            pg: |c| diesel::sql_query(stuck_sql(&PG))
                .bind::<Stamp, _>(At(now))
                .bind::<Text, _>(code)
                .bind::<BigInt, _>(limit)
                .load(c)
                .await,
            sqlite: |c| diesel::sql_query(sqlite(&stuck_sql(&SQLITE)))
                .bind::<Stamp, _>(At(now))
                .bind::<Text, _>(code)
                .bind::<BigInt, _>(limit)
                .load(c)
                .await,
        )?;
        Ok(rows
            .into_iter()
            .map(|r| StuckOrder {
                venue_id: r.venue_id.into(),
                order_id: r.id.into(),
                order_number: r.order_number,
                since: r.kitchen_started_at.0,
                threshold_minutes: r.stuck_after_minutes.unsigned_abs(),
            })
            .collect())
    }

    async fn claim_alert(
        &mut self,
        venue: VenueId,
        order: OrderId,
        code: &str,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let inserted = on!(&mut self.conn, |c| diesel::insert_into(ka::table)
            .values((
                ka::venue_id.eq(venue.key()),
                ka::order_id.eq(order.key()),
                ka::code.eq(code),
                ka::raised_at.eq(At(at)),
            ))
            .on_conflict_do_nothing()
            .execute(c)
            .await)?;
        Ok(inserted == 1)
    }

    async fn figures(&mut self, since: OffsetDateTime) -> Result<Figures, StoreError> {
        let (orders, revenue): (CountRow, Vec<RevenueRow>) = on!(&mut self.conn,
            pg: |c| async {
                let orders: CountRow = diesel::sql_query(ORDERS_SINCE)
                    .bind::<Stamp, _>(At(since))
                    .get_result(c)
                    .await?;
                let revenue: Vec<RevenueRow> = diesel::sql_query(REVENUE_SINCE)
                    .bind::<Stamp, _>(At(since))
                    .load(c)
                    .await?;
                Ok::<_, diesel::result::Error>((orders, revenue))
            }.await,
            sqlite: |c| async {
                let orders: CountRow = diesel::sql_query(sqlite(ORDERS_SINCE))
                    .bind::<Stamp, _>(At(since))
                    .get_result(c)
                    .await?;
                let revenue: Vec<RevenueRow> = diesel::sql_query(sqlite(REVENUE_SINCE))
                    .bind::<Stamp, _>(At(since))
                    .load(c)
                    .await?;
                Ok::<_, diesel::result::Error>((orders, revenue))
            }.await,
        )?;
        Ok(Figures {
            orders: orders.n,
            revenue: revenue
                .into_iter()
                .map(|r| (r.currency, r.minor.unwrap_or(0)))
                .collect(),
        })
    }

    async fn hide_venue(&mut self, venue: VenueId) -> Result<(), StoreError> {
        on!(&mut self.conn, |c| diesel::update(
            venues::table.filter(venues::id.eq(venue.key()))
        )
        .set(venues::hidden.eq(true))
        .execute(c)
        .await)?;
        Ok(())
    }
}
