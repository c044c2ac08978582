use async_trait::async_trait;
use brigade_application::StoreError;
use brigade_application::model::{Claim, IdempotencyKey};
use brigade_application::ports::IdempotencyStore;
use brigade_domain::{UserId, VenueId};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::error::StoreResult;
use crate::schema::idempotency_keys as k;
use crate::uow::PgTx;

#[async_trait]
impl IdempotencyStore for PgTx {
    async fn claim(
        &mut self,
        venue: VenueId,
        user: UserId,
        key: &IdempotencyKey,
        resource: Uuid,
    ) -> Result<Claim, StoreError> {
        // A concurrent claim of the same key blocks on the primary key until the first
        // transaction ends; then it conflicts (committed) or inserts (rolled back).
        let inserted = diesel::insert_into(k::table)
            .values((
                k::venue_id.eq(venue.as_uuid()),
                k::user_id.eq(user.as_uuid()),
                k::key.eq(&key.key),
                k::fingerprint.eq(&key.fingerprint),
                k::resource_id.eq(resource),
            ))
            .on_conflict_do_nothing()
            .execute(&mut *self.conn)
            .await
            .store()?;
        if inserted == 1 {
            return Ok(Claim::Fresh);
        }
        let (fingerprint, existing): (String, Uuid) = k::table
            .filter(
                k::venue_id
                    .eq(venue.as_uuid())
                    .and(k::user_id.eq(user.as_uuid()))
                    .and(k::key.eq(&key.key)),
            )
            .select((k::fingerprint, k::resource_id))
            .first(&mut *self.conn)
            .await
            .store()?;
        Ok(if fingerprint == key.fingerprint {
            Claim::Replay(existing)
        } else {
            Claim::Mismatch
        })
    }
}
