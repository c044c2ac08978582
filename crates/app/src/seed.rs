//! `brigade seed --demo`: the seeds' demo venue, its staff and a small menu with stock.
//! For development and tests only. Idempotent: running it twice changes nothing more.

use brigade_application::model::{Membership, Venue};
use brigade_application::usecases::products::NewProduct;
use brigade_application::usecases::stock::NewLot;
use brigade_application::usecases::tables::NewTable;
use brigade_application::{Actor, AppError, Brigade, Page};
use brigade_domain::{Money, Quantity, Role, StockPolicy, VenueId};
use serde_json::json;
use uuid::Uuid;

pub const DEMO_VENUE: VenueId = VenueId::from_uuid(Uuid::from_u128(1));
pub const DEMO_PASSWORD: &str = "admin123!";
pub const DEMO_STAFF: [(&str, &str, Role); 4] = [
    ("admin@beerflow.demo", "Demo Admin", Role::Admin),
    ("manager@beerflow.demo", "Demo Manager", Role::Manager),
    ("waiter1@beerflow.demo", "Demo Waiter", Role::Waiter),
    ("chef@beerflow.demo", "Demo Chef", Role::Kitchen),
];

pub async fn demo(brigade: &Brigade) -> anyhow::Result<()> {
    brigade
        .upsert_venue(&Venue {
            stock_policy: StockPolicy::Partial,
            // The seeds' clients close orders without paying (seed compatibility).
            allow_unpaid_close: true,
            ..Venue::new(DEMO_VENUE, "BeerFlow Demo Pub")
        })
        .await?;
    // The seed then acts as the demo venue's admin, a real account.
    let mut admin = None;
    for (email, name, role) in DEMO_STAFF {
        let (id, _) = brigade
            .create_user(
                email,
                name,
                DEMO_PASSWORD,
                vec![Membership {
                    venue_id: DEMO_VENUE,
                    role,
                }],
            )
            .await?;
        if role == Role::Admin {
            admin = Some(id);
        }
    }
    let actor = Actor {
        user_id: admin.ok_or_else(|| anyhow::anyhow!("the demo staff has an admin"))?,
        venue_id: DEMO_VENUE,
        role: Role::Admin,
    };
    // Create only what is missing, so a rerun (or a run after a partial one) converges.
    let tables: Vec<String> = brigade
        .list_tables(&actor, Page::ALL)
        .await?
        .items
        .into_iter()
        .map(|t| t.name)
        .collect();
    for (name, seats, area) in [
        ("T1", 4, "main_hall"),
        ("T2", 4, "main_hall"),
        ("BAR-1", 2, "bar"),
    ] {
        if tables.iter().any(|t| t == name) {
            continue;
        }
        brigade
            .create_table(
                &actor,
                NewTable {
                    name: name.to_owned(),
                    seats,
                    area: Some(area.to_owned()),
                    position: json!({}),
                },
                None,
            )
            .await?;
    }
    let skus: Vec<String> = brigade
        .list_products(&actor, Page::ALL)
        .await?
        .items
        .into_iter()
        .map(|p| p.sku)
        .collect();
    let menu = [
        (
            "House Burger",
            "BURGER-001",
            "pz",
            "5.50",
            "14.00",
            "food",
            40,
        ),
        (
            "IPA (draught)",
            "BEER-IPA",
            "l",
            "2.10",
            "12.50",
            "drinks",
            50,
        ),
        ("Fries", "SIDE-FRIES", "pz", "0.90", "4.50", "food", 100),
    ];
    for (name, sku, unit, cost, price, category, stock) in menu {
        if skus.iter().any(|s| s == sku) {
            continue;
        }
        let money =
            |text: &str| Money::parse_major(text).map_err(|e| AppError::validation(e.to_string()));
        let product = brigade
            .create_product(
                &actor,
                NewProduct {
                    name: name.to_owned(),
                    sku: Some(sku.to_owned()),
                    unit: unit.to_owned(),
                    cost: Some(money(cost)?),
                    price: money(price)?,
                    category_id: None,
                    category: Some(category.to_owned()),
                    allergens: brigade_domain::Allergens::NONE,
                    tax_class_id: None,
                    modifier_group_ids: Vec::new(),
                    attributes: json!({}),
                    stock_tracked: true,
                },
                None,
            )
            .await?
            .value;
        brigade
            .create_lot(
                &actor,
                NewLot {
                    product_id: product.id,
                    lot_code: format!("{sku}-DEMO-1"),
                    qty_init: Quantity::from_units(stock),
                    unit: None,
                    cost_per_unit: product.cost,
                    expiry_date: None,
                    storage_location: Some("Demo store room".to_owned()),
                },
                None,
            )
            .await?;
    }
    Ok(())
}
