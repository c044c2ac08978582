//! The deploy smoke test's venue (`brigade smoke`): hidden from every cross-venue view,
//! with one least-privilege account (a waiter) whose password each run sets anew, an
//! available table and a product. Idempotent: a run converges whatever an earlier run
//! left behind.

use brigade_domain::{Money, Role, TableStatus, UserId, VenueId};
use serde_json::json;
use uuid::Uuid;

use super::products::NewProduct;
use super::tables::NewTable;
use crate::model::{Membership, User, Venue};
use crate::ports::Tx as _;
use crate::{Actor, AppError, Brigade, Page};

/// The smoke venue's fixed id (`...5e0c`: "smoke").
pub const SMOKE_VENUE: VenueId = VenueId::from_uuid(Uuid::from_u128(0x5e0c));
/// Its one account, a waiter.
pub const SMOKE_EMAIL: &str = "smoke@brigade.invalid";
/// The product its orders take.
pub const SMOKE_PRODUCT: &str = "Smoke check";

impl Brigade {
    /// Makes the smoke venue ready for a run whose waiter logs in with `password`.
    pub async fn prepare_smoke(&self, password: &str) -> Result<(), AppError> {
        let password_hash = self.hashed(password).await?;
        let membership = Membership {
            venue_id: SMOKE_VENUE,
            role: Role::Waiter,
        };
        self.write(async |tx| {
            if tx.venues().get(SMOKE_VENUE).await?.is_none() {
                tx.venues()
                    .upsert(&Venue::new(SMOKE_VENUE, "Brigade smoke test"))
                    .await?;
            }
            tx.operations().hide_venue(SMOKE_VENUE).await?;
            match tx.users().by_email(SMOKE_EMAIL).await? {
                Some(user) => {
                    tx.users().set_password(user.id, &password_hash).await?;
                    tx.users()
                        .set_role(SMOKE_VENUE, user.id, Role::Waiter)
                        .await?;
                    tx.users().set_disabled(user.id, None).await?;
                }
                None => {
                    let user = User {
                        id: UserId::new(),
                        email: SMOKE_EMAIL.to_owned(),
                        full_name: "Smoke test".to_owned(),
                        password_hash: password_hash.clone(),
                        memberships: vec![membership],
                        session_epoch: 0,
                        disabled: false,
                    };
                    tx.users().create_or_join(&user).await?;
                }
            }
            Ok(())
        })
        .await?;
        // The venue's own admin, as the CLI acts (no account of its own).
        let operator = Actor {
            user_id: UserId::from_uuid(Uuid::nil()),
            venue_id: SMOKE_VENUE,
            role: Role::Admin,
        };
        let tables = self.list_tables(&operator, Page::ALL).await?.items;
        if !tables.iter().any(|t| t.status == TableStatus::Available) {
            // A run that failed half-way left its table occupied: take another.
            let table = NewTable {
                name: format!("Smoke {}", tables.len() + 1),
                seats: 2,
                area: None,
                position: json!({}),
            };
            self.create_table(&operator, table, None).await?;
        }
        let products = self.list_products(&operator, Page::ALL).await?.items;
        if !products.iter().any(|p| p.name == SMOKE_PRODUCT) {
            let product = NewProduct {
                name: SMOKE_PRODUCT.to_owned(),
                sku: None,
                unit: "piece".to_owned(),
                cost: None,
                price: Money::from_minor(100),
                category_id: None,
                category: None,
                allergens: Default::default(),
                tax_class_id: None,
                modifier_group_ids: Vec::new(),
                attributes: json!({}),
                stock_tracked: false,
            };
            self.create_product(&operator, product, None).await?;
        }
        Ok(())
    }
}
