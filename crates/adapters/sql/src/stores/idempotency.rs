use async_trait::async_trait;
use brigade_application::StoreError;
use brigade_application::model::{Claim, IdempotencyKey};
use brigade_application::ports::IdempotencyStore;
use brigade_domain::{UserId, VenueId};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::schema::idempotency_keys as k;
use crate::tx::{SqlTx, on};
use crate::types::{AsKey, Key};

#[async_trait]
impl IdempotencyStore for SqlTx {
    async fn claim(
        &mut self,
        venue: VenueId,
        user: UserId,
        key: &IdempotencyKey,
        resource: Uuid,
    ) -> Result<Claim, StoreError> {
        // A concurrent claim of the same key waits for this transaction (PostgreSQL: on
        // the primary key; SQLite: write transactions are serialized), then conflicts
        // (committed) or inserts (rolled back).
        let inserted = on!(&mut self.conn, |c| diesel::insert_into(k::table)
            .values((
                k::venue_id.eq(venue.key()),
                k::user_id.eq(user.key()),
                k::key.eq(&key.key),
                k::fingerprint.eq(&key.fingerprint),
                k::resource_id.eq(resource.key()),
            ))
            .on_conflict_do_nothing()
            .execute(c)
            .await)?;
        if inserted == 1 {
            return Ok(Claim::Fresh);
        }
        let (fingerprint, existing): (String, Key) = on!(&mut self.conn, |c| k::table
            .filter(
                k::venue_id
                    .eq(venue.key())
                    .and(k::user_id.eq(user.key()))
                    .and(k::key.eq(&key.key)),
            )
            .select((k::fingerprint, k::resource_id))
            .first(c)
            .await)?;
        Ok(if fingerprint == key.fingerprint {
            Claim::Replay(existing.into())
        } else {
            Claim::Mismatch
        })
    }
}
