//! Staff (DESIGN §9): accounts are global, memberships per venue. Adding an email that
//! has an account only attaches a membership; a new email gets an account whose owner
//! sets its password with a one-time token. Nobody but the owner ever changes an
//! account's password or name, and a venue always keeps an admin.

use brigade_domain::{Permission, Role, UserId, VenueId};
use time::OffsetDateTime;

use super::sessions::{one_time_token, token_hash};
use crate::model::{Membership, StaffMember, User};
use crate::ports::Tx;
use crate::{Actor, AppError, Brigade, Page, Paged};

/// How long a set-password token works: a new waiter may start days later.
pub const SET_PASSWORD_TTL: time::Duration = time::Duration::days(7);

/// A one-time set-password token, shown once; the store keeps its hash.
#[derive(Debug, Clone, PartialEq)]
pub struct SetPasswordToken {
    pub token: String,
    pub expires_at: OffsetDateTime,
}

/// What adding someone to a venue did.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffAdded {
    pub member: StaffMember,
    /// Whether the account was created (else an existing one joined).
    pub created: bool,
    /// For a created account: how its owner sets the password.
    pub set_password: Option<SetPasswordToken>,
}

fn normalized_email(email: &str) -> Result<String, AppError> {
    let email = email.trim().to_lowercase();
    if !email.contains('@') || email.len() > 254 || email.chars().any(char::is_whitespace) {
        return Err(AppError::validation("email is not an email address"));
    }
    Ok(email)
}

fn valid_password(password: &str) -> Result<(), AppError> {
    if !(8..=256).contains(&password.chars().count()) {
        return Err(AppError::validation("password must be 8 to 256 characters"));
    }
    Ok(())
}

/// Refuses to leave `venue` without an admin when `user` stops being one.
async fn keep_an_admin(tx: &mut dyn Tx, venue: VenueId, user: UserId) -> Result<(), AppError> {
    let staff = tx.users().staff(venue, Page::ALL).await?;
    let admins = staff.iter().filter(|m| m.role == Role::Admin);
    if admins.clone().count() == 1 && admins.clone().any(|m| m.user_id == user) {
        return Err(AppError::conflict(
            "last_admin",
            "a venue keeps at least one admin: make someone else admin first",
        ));
    }
    Ok(())
}

async fn member(tx: &mut dyn Tx, venue: VenueId, user: UserId) -> Result<StaffMember, AppError> {
    tx.users()
        .staff(venue, Page::ALL)
        .await?
        .into_iter()
        .find(|m| m.user_id == user)
        .ok_or(AppError::NotFound {
            entity: "staff member",
        })
}

impl Brigade {
    /// The hash of an acceptable password (8 to 256 characters).
    pub(crate) async fn hashed(&self, password: &str) -> Result<String, AppError> {
        valid_password(password)?;
        Ok(self
            .passwords
            .hash(password.to_owned())
            .await
            .map_err(crate::StoreError::Unknown)?)
    }

    /// `brigade user create` and the demo seed: a new email gets an account with
    /// `password`; an existing one keeps its name and password and only gets the
    /// memberships (the last admin of a venue is not demoted). Returns the account and
    /// whether it was created.
    pub async fn create_user(
        &self,
        email: &str,
        full_name: &str,
        password: &str,
        memberships: Vec<Membership>,
    ) -> Result<(UserId, bool), AppError> {
        let email = normalized_email(email)?;
        super::require_text("full_name", full_name, 200)?;
        let password_hash = self.hashed(password).await?;
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
                if tx.venues().lock(m.venue_id).await?.is_none() {
                    return Err(AppError::InvalidReference {
                        entity: "venue",
                        id: m.venue_id.as_uuid(),
                    });
                }
                if let Some(existing) = tx.users().by_email(&user.email).await?
                    && m.role != Role::Admin
                {
                    keep_an_admin(tx, m.venue_id, existing.id).await?;
                }
            }
            let (id, created) = tx.users().create_or_join(&user).await?;
            tx.users().access_changed(id, now, false).await?;
            Ok((id, created))
        })
        .await
    }

    /// The venue's staff (admins).
    pub async fn staff(&self, actor: &Actor, page: Page) -> Result<Paged<StaffMember>, AppError> {
        actor.require(Permission::ManageStaff)?;
        let rows = self
            .read(async |tx| Ok(tx.users().staff(actor.venue_id, page).await?))
            .await?;
        Ok(page.cut(rows))
    }

    /// Adds `email` to the actor's venue as `role` (admins). An existing account only
    /// joins; a new one is created without a password and with a set-password token,
    /// returned here once.
    pub async fn add_staff(
        &self,
        actor: &Actor,
        email: &str,
        full_name: &str,
        role: Role,
    ) -> Result<StaffAdded, AppError> {
        actor.require(Permission::ManageStaff)?;
        let email = normalized_email(email)?;
        super::require_text("full_name", full_name, 200)?;
        let now = self.clock.now();
        let (token, hash) = one_time_token();
        let user = User {
            id: UserId::new(),
            email,
            full_name: full_name.to_owned(),
            password_hash: String::new(),
            memberships: Vec::new(),
            session_epoch: 0,
            disabled: false,
        };
        let expires_at = now + SET_PASSWORD_TTL;
        self.write(async |tx| {
            tx.venues().lock(actor.venue_id).await?;
            let (id, created) = tx.users().create_or_join(&user).await?;
            // An account whose owner never set a password (the token expired, or the
            // answer was lost) gets a new token when an admin adds it again.
            let pending = created
                || tx
                    .users()
                    .by_email(&user.email)
                    .await?
                    .is_some_and(|u| u.password_hash.is_empty());
            if !created
                && let Ok(current) = member(tx, actor.venue_id, id).await
                && current.role != role
            {
                return Err(AppError::conflict(
                    "already_staff",
                    format!(
                        "{} is already {} here: change the role instead",
                        current.email, current.role
                    ),
                ));
            }
            tx.users().set_role(actor.venue_id, id, role).await?;
            if pending {
                tx.users()
                    .insert_password_token(&hash, id, expires_at)
                    .await?;
            }
            tx.users().access_changed(id, now, false).await?;
            Ok(StaffAdded {
                member: member(tx, actor.venue_id, id).await?,
                created,
                set_password: pending.then(|| SetPasswordToken {
                    token: token.clone(),
                    expires_at,
                }),
            })
        })
        .await
    }

    /// Changes a member's role in the actor's venue (admins); the last admin stays.
    pub async fn change_role(
        &self,
        actor: &Actor,
        user: UserId,
        role: Role,
    ) -> Result<StaffMember, AppError> {
        actor.require(Permission::ManageStaff)?;
        let now = self.clock.now();
        self.write(async |tx| {
            tx.venues().lock(actor.venue_id).await?;
            member(tx, actor.venue_id, user).await?;
            if role != Role::Admin {
                keep_an_admin(tx, actor.venue_id, user).await?;
            }
            tx.users().set_role(actor.venue_id, user, role).await?;
            tx.users().access_changed(user, now, false).await?;
            member(tx, actor.venue_id, user).await
        })
        .await
    }

    /// Removes a member from the actor's venue (admins); the last admin stays. Their
    /// account and other venues are untouched.
    pub async fn remove_staff(&self, actor: &Actor, user: UserId) -> Result<(), AppError> {
        actor.require(Permission::ManageStaff)?;
        let now = self.clock.now();
        self.write(async |tx| {
            tx.venues().lock(actor.venue_id).await?;
            member(tx, actor.venue_id, user).await?;
            keep_an_admin(tx, actor.venue_id, user).await?;
            tx.users().remove_membership(actor.venue_id, user).await?;
            tx.users().access_changed(user, now, false).await?;
            Ok(())
        })
        .await
    }

    /// The owner sets their password with the one-time token they were given (no
    /// credential otherwise). Ends the account's other sessions.
    pub async fn set_password(&self, token: &str, password: &str) -> Result<(), AppError> {
        let password_hash = self.hashed(password).await?;
        let now = self.clock.now();
        let hash = token_hash(token);
        self.write(async |tx| {
            let Some((user, expires_at)) = tx.users().take_password_token(&hash).await? else {
                return Err(AppError::conflict(
                    "invalid_token",
                    "this set-password token is unknown or already used",
                ));
            };
            if expires_at <= now {
                return Err(AppError::conflict(
                    "invalid_token",
                    "this set-password token expired: an admin adding your email again \
                     gives you a new one",
                ));
            }
            tx.users().set_password(user, &password_hash).await?;
            tx.users().access_changed(user, now, true).await?;
            Ok(())
        })
        .await
    }
}
