use async_trait::async_trait;
use brigade_application::model::{Access, Membership, StaffMember, User, WsTicket};
use brigade_application::ports::UserStore;
use brigade_application::{Page, StoreError};
use brigade_domain::{Role, UserId, VenueId};
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::RunQueryDsl;
use time::OffsetDateTime;

use crate::rows::parse;
use crate::schema::{memberships, password_tokens, users, ws_tickets};
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

    async fn create_or_join(&mut self, user: &User) -> Result<(UserId, bool), StoreError> {
        let created: Option<Key> = on!(&mut self.conn, |c| diesel::insert_into(users::table)
            .values((
                users::id.eq(user.id.key()),
                users::email.eq(&user.email),
                users::full_name.eq(&user.full_name),
                users::password_hash.eq(&user.password_hash),
            ))
            .on_conflict(users::email)
            .do_nothing()
            .returning(users::id)
            .get_result(c)
            .await
            .optional())?;
        let (id, created) = match created {
            Some(id) => (id, true),
            None => {
                let id: Key = on!(&mut self.conn, |c| users::table
                    .filter(users::email.eq(&user.email))
                    .select(users::id)
                    .first(c)
                    .await)?;
                (id, false)
            }
        };
        for m in &user.memberships {
            self.set_role(m.venue_id, id.into(), m.role).await?;
        }
        Ok((id.into(), created))
    }

    async fn staff(&mut self, venue: VenueId, page: Page) -> Result<Vec<StaffMember>, StoreError> {
        let rows: Vec<(Key, String, String, String)> = on!(&mut self.conn, |c| memberships::table
            .inner_join(users::table.on(users::id.eq(memberships::user_id)))
            .filter(memberships::venue_id.eq(venue.key()))
            .select((users::id, users::email, users::full_name, memberships::role))
            .order((users::full_name, users::email))
            .limit(page.fetch())
            .offset(page.offset)
            .load(c)
            .await)?;
        rows.into_iter()
            .map(|(id, email, full_name, role)| {
                Ok(StaffMember {
                    user_id: id.into(),
                    email,
                    full_name,
                    role: parse(&role, "role")?,
                })
            })
            .collect()
    }

    async fn set_role(
        &mut self,
        venue: VenueId,
        user: UserId,
        role: Role,
    ) -> Result<(), StoreError> {
        on!(&mut self.conn, |c| diesel::insert_into(memberships::table)
            .values((
                memberships::user_id.eq(user.key()),
                memberships::venue_id.eq(venue.key()),
                memberships::role.eq(role.as_str()),
            ))
            .on_conflict((memberships::venue_id, memberships::user_id))
            .do_update()
            .set(memberships::role.eq(excluded(memberships::role)))
            .execute(c)
            .await)?;
        Ok(())
    }

    async fn remove_membership(
        &mut self,
        venue: VenueId,
        user: UserId,
    ) -> Result<bool, StoreError> {
        let deleted = on!(&mut self.conn, |c| diesel::delete(
            memberships::table
                .filter(memberships::venue_id.eq(venue.key()))
                .filter(memberships::user_id.eq(user.key()))
        )
        .execute(c)
        .await)?;
        Ok(deleted == 1)
    }

    async fn set_password(&mut self, user: UserId, password_hash: &str) -> Result<(), StoreError> {
        on!(&mut self.conn, |c| diesel::update(
            users::table.filter(users::id.eq(user.key()))
        )
        .set(users::password_hash.eq(password_hash))
        .execute(c)
        .await)?;
        Ok(())
    }

    async fn insert_password_token(
        &mut self,
        token_hash: &str,
        user: UserId,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        on!(&mut self.conn, |c| diesel::insert_into(
            password_tokens::table
        )
        .values((
            password_tokens::token_hash.eq(token_hash),
            password_tokens::user_id.eq(user.key()),
            password_tokens::expires_at.eq(At(expires_at)),
        ))
        .execute(c)
        .await)?;
        Ok(())
    }

    async fn take_password_token(
        &mut self,
        token_hash: &str,
    ) -> Result<Option<(UserId, OffsetDateTime)>, StoreError> {
        let row: Option<(Key, At)> = on!(&mut self.conn, |c| diesel::delete(
            password_tokens::table.filter(password_tokens::token_hash.eq(token_hash))
        )
        .returning((password_tokens::user_id, password_tokens::expires_at))
        .get_result(c)
        .await
        .optional())?;
        Ok(row.map(|(user, at)| (user.into(), at.0)))
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
        let tokens = on!(&mut self.conn, |c| diesel::delete(
            password_tokens::table.filter(password_tokens::expires_at.lt(At(before)))
        )
        .execute(c)
        .await)?;
        Ok((deleted + tokens) as u64)
    }
}
