use async_trait::async_trait;
use brigade_application::StoreError;
use brigade_application::model::{Membership, User};
use brigade_application::ports::UserStore;
use brigade_domain::UserId;
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::error::StoreResult;
use crate::rows::parse;
use crate::schema::{memberships, users};
use crate::uow::PgTx;

#[async_trait]
impl UserStore for PgTx {
    async fn by_email(&mut self, email: &str) -> Result<Option<User>, StoreError> {
        let row: Option<(Uuid, String, String, String)> = users::table
            .filter(users::email.eq(email))
            .select((
                users::id,
                users::email,
                users::full_name,
                users::password_hash,
            ))
            .first(&mut *self.conn)
            .await
            .optional()
            .store()?;
        let Some((id, email, full_name, password_hash)) = row else {
            return Ok(None);
        };
        let rows: Vec<(Uuid, String)> = memberships::table
            .filter(memberships::user_id.eq(id))
            .select((memberships::venue_id, memberships::role))
            .order(memberships::venue_id)
            .load(&mut *self.conn)
            .await
            .store()?;
        let memberships = rows
            .into_iter()
            .map(|(venue, role)| {
                Ok(Membership {
                    venue_id: venue.into(),
                    role: parse(&role, "role")?,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(Some(User {
            id: id.into(),
            email,
            full_name,
            password_hash,
            memberships,
        }))
    }

    async fn upsert(&mut self, user: &User) -> Result<UserId, StoreError> {
        let id: Uuid = diesel::insert_into(users::table)
            .values((
                users::id.eq(user.id.as_uuid()),
                users::email.eq(&user.email),
                users::full_name.eq(&user.full_name),
                users::password_hash.eq(&user.password_hash),
            ))
            .on_conflict(users::email)
            .do_update()
            .set((
                users::full_name.eq(excluded(users::full_name)),
                users::password_hash.eq(excluded(users::password_hash)),
            ))
            .returning(users::id)
            .get_result(&mut *self.conn)
            .await
            .store()?;
        let rows: Vec<_> = user
            .memberships
            .iter()
            .map(|m| {
                (
                    memberships::user_id.eq(id),
                    memberships::venue_id.eq(m.venue_id.as_uuid()),
                    memberships::role.eq(m.role.as_str()),
                )
            })
            .collect();
        diesel::insert_into(memberships::table)
            .values(rows)
            .on_conflict((memberships::user_id, memberships::venue_id))
            .do_update()
            .set(memberships::role.eq(excluded(memberships::role)))
            .execute(&mut *self.conn)
            .await
            .store()?;
        Ok(id.into())
    }
}
