use async_trait::async_trait;
use brigade_application::StoreError;
use brigade_application::model::{Claim, IdempotencyKey};
use brigade_application::ports::IdempotencyStore;
use brigade_domain::{UserId, VenueId};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::error::StoreResult;
use crate::rows::{Key, uuid};
use crate::schema::idempotency_keys as k;
use crate::uow::SqliteTx;

#[async_trait]
impl IdempotencyStore for SqliteTx {
    async fn claim(
        &mut self,
        venue: VenueId,
        user: UserId,
        key: &IdempotencyKey,
        resource: Uuid,
    ) -> Result<Claim, StoreError> {
        // Write transactions are serialized: a concurrent claim of the same key runs
        // after this one ends and conflicts (committed) or inserts (rolled back).
        let inserted = diesel::insert_into(k::table)
            .values((
                k::venue_id.eq(venue.key()),
                k::user_id.eq(user.key()),
                k::key.eq(&key.key),
                k::fingerprint.eq(&key.fingerprint),
                k::resource_id.eq(resource.key()),
            ))
            .on_conflict_do_nothing()
            .execute(&mut *self.conn)
            .await
            .store()?;
        if inserted == 1 {
            return Ok(Claim::Fresh);
        }
        let (fingerprint, existing): (String, String) = k::table
            .filter(
                k::venue_id
                    .eq(venue.key())
                    .and(k::user_id.eq(user.key()))
                    .and(k::key.eq(&key.key)),
            )
            .select((k::fingerprint, k::resource_id))
            .first(&mut *self.conn)
            .await
            .store()?;
        Ok(if fingerprint == key.fingerprint {
            Claim::Replay(uuid(&existing)?)
        } else {
            Claim::Mismatch
        })
    }
}
