//! Sessions: who a token speaks for, logging out, disabling accounts, and the
//! single-use tickets that open WebSockets (DESIGN §9 "Tokens carry who, not where",
//! §11 "No credential in a URL").
//!
//! A token names its user and the session epoch it was issued under; everything else
//! (disabled or not, memberships, roles) is read here, fresh from the store. Each
//! change of it stamps the user's `access_changed_at` in its own transaction, and
//! [`Brigade::access_changes`] is how every instance learns of it.

use brigade_domain::UserId;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use uuid::Uuid;

use crate::model::{Access, WsTicket};
use crate::ports::Tx;
use crate::{AppError, Brigade};

/// A one-time token (244 random bits, 64 hex characters) and the hash the store keeps
/// of it: WebSocket tickets and set-password tokens.
pub(crate) fn one_time_token() -> (String, String) {
    let token = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
    let hash = token_hash(&token);
    (token, hash)
}

/// How the store names a one-time token: its SHA-256, in hex.
pub(crate) fn token_hash(token: &str) -> String {
    Sha256::digest(token.trim().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Brigade {
    /// Who `user` is now (`None`: no such account).
    pub async fn access(&self, user: UserId) -> Result<Option<Access>, AppError> {
        self.read(async |tx| Ok(tx.users().access(user).await?))
            .await
    }

    /// The users whose access changed after `since` (logout, disabled, memberships,
    /// roles), with when; an instance drops what it cached of them.
    pub async fn access_changes(
        &self,
        since: OffsetDateTime,
    ) -> Result<Vec<(UserId, OffsetDateTime)>, AppError> {
        self.read(async |tx| Ok(tx.users().access_changes(since).await?))
            .await
    }

    /// Ends every session of `user`: tokens issued before stop working on every
    /// instance, and their open sockets close.
    pub async fn logout(&self, user: UserId) -> Result<(), AppError> {
        let now = self.clock.now();
        self.write(async |tx| {
            if tx.users().access_changed(user, now, true).await? {
                Ok(())
            } else {
                Err(AppError::NotFound { entity: "user" })
            }
        })
        .await
    }

    /// Disables (or enables again) the account with this email. Disabling ends its
    /// sessions; a disabled account cannot log in.
    pub async fn set_user_disabled(&self, email: &str, disabled: bool) -> Result<UserId, AppError> {
        let email = email.trim().to_lowercase();
        let now = self.clock.now();
        self.write(async |tx| {
            let user = tx
                .users()
                .by_email(&email)
                .await?
                .ok_or(AppError::NotFound { entity: "user" })?;
            tx.users()
                .set_disabled(user.id, disabled.then_some(now))
                .await?;
            tx.users().access_changed(user.id, now, disabled).await?;
            Ok(user.id)
        })
        .await
    }

    /// A ticket for one WebSocket upgrade by `user` under session `epoch`, redeemable
    /// for `ttl`; the socket it opens closes at `token_expires_at`. Only its hash is kept.
    pub async fn issue_ticket(
        &self,
        user: UserId,
        epoch: i64,
        token_expires_at: OffsetDateTime,
        ttl: time::Duration,
    ) -> Result<String, AppError> {
        let (ticket, ticket_hash) = one_time_token();
        let record = WsTicket {
            ticket_hash,
            user_id: user,
            session_epoch: epoch,
            token_expires_at,
            expires_at: self.clock.now() + ttl,
        };
        self.write(async |tx| Ok(tx.users().insert_ticket(&record).await?))
            .await?;
        Ok(ticket)
    }

    /// Redeems `ticket`: once, before it expires, on any instance.
    pub async fn redeem_ticket(&self, ticket: &str) -> Result<Option<WsTicket>, AppError> {
        let now = self.clock.now();
        let hash = token_hash(ticket);
        let ticket = self
            .write(async |tx| Ok(tx.users().take_ticket(&hash).await?))
            .await?;
        Ok(ticket.filter(|t| t.expires_at > now))
    }

    /// Deletes expired tickets and set-password tokens that were never used; returns
    /// how many.
    pub async fn prune_tickets(&self) -> Result<u64, AppError> {
        let now = self.clock.now();
        self.write(async |tx| Ok(tx.users().prune_tickets(now).await?))
            .await
    }
}
