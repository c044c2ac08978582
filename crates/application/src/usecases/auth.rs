//! Login and staff accounts.

use brigade_domain::UserId;

use crate::model::{Membership, User, Venue};
use crate::ports::Tx;
use crate::{AppError, Brigade};

impl Brigade {
    /// Checks the credentials; the HTTP adapter turns the user into a token. An unknown
    /// email, a wrong password and a disabled account are one answer after the same
    /// work, so neither the answer nor its time tells which accounts exist.
    #[tracing::instrument(skip_all)]
    pub async fn login(&self, email: &str, password: &str) -> Result<User, AppError> {
        let email = email.trim().to_lowercase();
        let user = self
            .read(async |tx| Ok(tx.users().by_email(&email).await?))
            .await?;
        let Some(user) = user else {
            self.passwords.verify_nothing(password.to_owned()).await;
            return Err(AppError::InvalidCredentials);
        };
        let verified = self
            .passwords
            .verify(password.to_owned(), user.password_hash.clone())
            .await;
        if verified && !user.disabled {
            Ok(user)
        } else {
            Err(AppError::InvalidCredentials)
        }
    }

    /// Creates a staff account, or resets the password of the account with that email
    /// and sets its role in the given venues, keeping its other venues (so
    /// `brigade user create` and the demo seed are idempotent).
    pub async fn upsert_user(
        &self,
        email: &str,
        full_name: &str,
        password: &str,
        memberships: Vec<Membership>,
    ) -> Result<UserId, AppError> {
        let email = email.trim().to_lowercase();
        if !email.contains('@') || email.len() > 254 {
            return Err(AppError::validation("email is not an email address"));
        }
        if password.chars().count() < 8 {
            return Err(AppError::validation(
                "password must be at least 8 characters",
            ));
        }
        let password_hash = self
            .passwords
            .hash(password.to_owned())
            .await
            .map_err(crate::StoreError::Unknown)?;
        let user = User {
            id: UserId::new(),
            email,
            full_name: full_name.to_owned(),
            password_hash,
            memberships,
            session_epoch: 0,
            disabled: false,
        };
        let now = self.clock.now();
        self.write(async |tx| {
            for m in &user.memberships {
                if tx.venues().get(m.venue_id).await?.is_none() {
                    return Err(AppError::InvalidReference {
                        entity: "venue",
                        id: m.venue_id.as_uuid(),
                    });
                }
            }
            let id = tx.users().upsert(&user).await?;
            tx.users().access_changed(id, now, false).await?;
            Ok(id)
        })
        .await
    }

    pub async fn upsert_venue(&self, venue: &Venue) -> Result<(), AppError> {
        super::require_text("name", &venue.name, 200)?;
        self.write(async |tx| Ok(tx.venues().upsert(venue).await?))
            .await
    }
}
