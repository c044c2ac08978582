use async_trait::async_trait;
use brigade_application::StoreError;
use brigade_application::model::{Access, Membership, User, WsTicket};
use brigade_application::ports::UserStore;
use brigade_domain::UserId;
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::RunQueryDsl;
use time::OffsetDateTime;

use crate::rows::parse;
use crate::schema::{memberships, users, ws_tickets};
use crate::tx::{SqlTx, on};
use crate::types::{AsKey, At, Key};

type UserRow = (Key, String, String, String, i64, Option<At>);

impl SqlTx {
    async fn memberships(&mut self, user: Key) -> Result<Vec<Membership>, StoreError> {
        let rows: Vec<(Key, String)> = on!(&mut self.conn, |c| memberships::table
            .filter(memberships::user_id.eq(user))
            .select((memberships::venue_id, memberships::role))
            .order(memberships::venue_id)
            .load(c)
            .await)?;
        rows.into_iter()
            .map(|(venue, role)| {
                Ok(Membership {
                    venue_id: venue.into(),
                    role: parse(&role, "role")?,
                })
            })
            .collect()
    }
}

#[async_trait]
impl UserStore for SqlTx {
    async fn by_email(&mut self, email: &str) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = on!(&mut self.conn, |c| users::table
            .filter(users::email.eq(email))
            .select((
                users::id,
                users::email,
                users::full_name,
                users::password_hash,
                users::session_epoch,
                users::disabled_at,
            ))
            .first(c)
            .await
            .optional())?;
        let Some((id, email, full_name, password_hash, session_epoch, disabled_at)) = row else {
            return Ok(None);
        };
        Ok(Some(User {
            id: id.into(),
            email,
            full_name,
            password_hash,
            memberships: self.memberships(id).await?,
            session_epoch,
            disabled: disabled_at.is_some(),
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

    async fn access(&mut self, user: UserId) -> Result<Option<Access>, StoreError> {
        let row: Option<(i64, Option<At>)> = on!(&mut self.conn, |c| users::table
            .filter(users::id.eq(user.key()))
            .select((users::session_epoch, users::disabled_at))
            .first(c)
            .await
            .optional())?;
        let Some((session_epoch, disabled_at)) = row else {
            return Ok(None);
        };
        Ok(Some(Access {
            user_id: user,
            session_epoch,
            disabled: disabled_at.is_some(),
            memberships: self.memberships(user.key()).await?,
        }))
    }

    async fn access_changed(
        &mut self,
        user: UserId,
        at: OffsetDateTime,
        end_sessions: bool,
    ) -> Result<bool, StoreError> {
        let target = users::table.filter(users::id.eq(user.key()));
        let changed = users::access_changed_at.eq(Some(At(at)));
        let updated = if end_sessions {
            on!(&mut self.conn, |c| diesel::update(target)
                .set((changed, users::session_epoch.eq(users::session_epoch + 1)))
                .execute(c)
                .await)?
        } else {
            on!(&mut self.conn, |c| diesel::update(target)
                .set(changed)
                .execute(c)
                .await)?
        };
        Ok(updated == 1)
    }

    async fn set_disabled(
        &mut self,
        user: UserId,
        at: Option<OffsetDateTime>,
    ) -> Result<(), StoreError> {
        on!(&mut self.conn, |c| diesel::update(
            users::table.filter(users::id.eq(user.key()))
        )
        .set(users::disabled_at.eq(at.map(At)))
        .execute(c)
        .await)?;
        Ok(())
    }

    async fn access_changes(
        &mut self,
        since: OffsetDateTime,
    ) -> Result<Vec<(UserId, OffsetDateTime)>, StoreError> {
        let rows: Vec<(Key, Option<At>)> = on!(&mut self.conn, |c| users::table
            .filter(users::access_changed_at.gt(At(since)))
            .select((users::id, users::access_changed_at))
            .order(users::access_changed_at.desc())
            .limit(10_000)
            .load(c)
            .await)?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, at)| Some((id.into(), at?.0)))
            .collect())
    }

    async fn insert_ticket(&mut self, ticket: &WsTicket) -> Result<(), StoreError> {
        on!(&mut self.conn, |c| diesel::insert_into(ws_tickets::table)
            .values((
                ws_tickets::ticket_hash.eq(&ticket.ticket_hash),
                ws_tickets::user_id.eq(ticket.user_id.key()),
                ws_tickets::session_epoch.eq(ticket.session_epoch),
                ws_tickets::token_expires_at.eq(At(ticket.token_expires_at)),
                ws_tickets::expires_at.eq(At(ticket.expires_at)),
            ))
            .execute(c)
            .await)?;
        Ok(())
    }

    async fn take_ticket(&mut self, ticket_hash: &str) -> Result<Option<WsTicket>, StoreError> {
        let row: Option<(String, Key, i64, At, At)> = on!(&mut self.conn, |c| diesel::delete(
            ws_tickets::table.filter(ws_tickets::ticket_hash.eq(ticket_hash))
        )
        .returning((
            ws_tickets::ticket_hash,
            ws_tickets::user_id,
            ws_tickets::session_epoch,
            ws_tickets::token_expires_at,
            ws_tickets::expires_at,
        ))
        .get_result(c)
        .await
        .optional())?;
        Ok(row.map(
            |(ticket_hash, user, session_epoch, token_expires_at, expires_at)| WsTicket {
                ticket_hash,
                user_id: user.into(),
                session_epoch,
                token_expires_at: token_expires_at.0,
                expires_at: expires_at.0,
            },
        ))
    }

    async fn prune_tickets(&mut self, before: OffsetDateTime) -> Result<u64, StoreError> {
        let deleted = on!(&mut self.conn, |c| diesel::delete(
            ws_tickets::table.filter(ws_tickets::expires_at.lt(At(before)))
        )
        .execute(c)
        .await)?;
        Ok(deleted as u64)
    }
}
