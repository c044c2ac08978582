use async_trait::async_trait;
use brigade_application::StoreError;
use brigade_application::model::{Membership, User};
use brigade_application::ports::UserStore;
use brigade_domain::UserId;
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::RunQueryDsl;

use crate::rows::parse;
use crate::schema::{memberships, users};
use crate::tx::{SqlTx, on};
use crate::types::{AsKey, Key};

#[async_trait]
impl UserStore for SqlTx {
    async fn by_email(&mut self, email: &str) -> Result<Option<User>, StoreError> {
        let row: Option<(Key, String, String, String)> = on!(&mut self.conn, |c| users::table
            .filter(users::email.eq(email))
            .select((
                users::id,
                users::email,
                users::full_name,
                users::password_hash,
            ))
            .first(c)
            .await
            .optional())?;
        let Some((id, email, full_name, password_hash)) = row else {
            return Ok(None);
        };
        let rows: Vec<(Key, String)> = on!(&mut self.conn, |c| memberships::table
            .filter(memberships::user_id.eq(id))
            .select((memberships::venue_id, memberships::role))
            .order(memberships::venue_id)
            .load(c)
            .await)?;
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
        let id: Key = on!(&mut self.conn, |c| diesel::insert_into(users::table)
            .values((
                users::id.eq(user.id.key()),
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
            .get_result(c)
            .await)?;
        // Row by row: a user belongs to a venue or two, and SQLite takes no batch upsert.
        for m in &user.memberships {
            on!(&mut self.conn, |c| diesel::insert_into(memberships::table)
                .values((
                    memberships::user_id.eq(id),
                    memberships::venue_id.eq(m.venue_id.key()),
                    memberships::role.eq(m.role.as_str()),
                ))
                .on_conflict((memberships::user_id, memberships::venue_id))
                .do_update()
                .set(memberships::role.eq(excluded(memberships::role)))
                .execute(c)
                .await)?;
        }
        Ok(id.into())
    }
}
