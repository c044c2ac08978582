//! Sessions: who a token speaks for, logging out, disabling accounts, and the
//! single-use tickets that open WebSockets (DESIGN §9 "Tokens carry who, not where",
//! §11 "No credential in a URL").
//!
//! A token names its user and the session epoch it was issued under; everything else
//! (disabled or not, memberships, roles) is read here, fresh from the store. Each
//! change of it stamps the user's `access_changed_at` in its own transaction, and
//! [`Brigade::access_changes`] is how every instance learns of it.

use brigade_domain::UserId;
use time::OffsetDateTime;

use crate::model::{Access, WsTicket};
use crate::ports::Tx;
use crate::{AppError, Brigade};

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

    /// Keeps a ticket (its hash) for one WebSocket upgrade.
    pub async fn issue_ticket(&self, ticket: &WsTicket) -> Result<(), AppError> {
        self.write(async |tx| Ok(tx.users().insert_ticket(ticket).await?))
            .await
    }

    /// Redeems the ticket with this hash: once, before it expires, on any instance.
    pub async fn redeem_ticket(&self, ticket_hash: &str) -> Result<Option<WsTicket>, AppError> {
        let now = self.clock.now();
        let ticket = self
            .write(async |tx| Ok(tx.users().take_ticket(ticket_hash).await?))
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
