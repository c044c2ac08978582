//! Login.

use crate::model::User;
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
        // An account whose owner has not set a password yet opens with none.
        if user.password_hash.is_empty() {
            self.passwords.verify_nothing(password.to_owned()).await;
            return Err(AppError::InvalidCredentials);
        }
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
}
