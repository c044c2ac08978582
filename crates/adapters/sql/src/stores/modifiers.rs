use std::collections::HashMap;

use async_trait::async_trait;
use brigade_application::model::{ModifierGroup, ModifierOption, Product};
use brigade_application::ports::ModifierStore;
use brigade_application::{Page, StoreError};
use brigade_domain::{Allergens, ModifierGroupId, Money, ProductId, VenueId};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::schema::{
    modifier_groups as mg, modifier_options as mo, product_modifier_groups as pmg,
};
use crate::tx::{Conn, SqlTx, on};
use crate::types::{AsKey, At, Key};

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = mg, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct GroupRow {
    venue_id: Key,
    id: Key,
    name: String,
    min_choices: i32,
    max_choices: i32,
    created_at: At,
    updated_at: At,
}

impl GroupRow {
    fn of(g: &ModifierGroup) -> Self {
        Self {
            venue_id: g.venue_id.key(),
            id: g.id.key(),
            name: g.name.clone(),
            min_choices: g.min_choices,
            max_choices: g.max_choices,
            created_at: At(g.created_at),
            updated_at: At(g.updated_at),
        }
    }

    fn model(self, options: Vec<ModifierOption>) -> ModifierGroup {
        ModifierGroup {
            id: self.id.into(),
            venue_id: self.venue_id.into(),
            name: self.name,
            min_choices: self.min_choices,
            max_choices: self.max_choices,
            options,
            created_at: self.created_at.0,
            updated_at: self.updated_at.0,
        }
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = mo, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct OptionRow {
    venue_id: Key,
    id: Key,
    group_id: Key,
    name: String,
    price_delta_minor: i64,
    allergens: i32,
    position: i32,
    active: bool,
    created_at: At,
    updated_at: At,
}

impl OptionRow {
    fn of(o: &ModifierOption) -> Self {
        Self {
            venue_id: o.venue_id.key(),
            id: o.id.key(),
            group_id: o.group_id.key(),
            name: o.name.clone(),
            price_delta_minor: o.price_delta.minor(),
            allergens: o.allergens.bits(),
            position: o.position,
            active: o.active,
            created_at: At(o.created_at),
            updated_at: At(o.updated_at),
        }
    }

    fn model(self) -> ModifierOption {
        ModifierOption {
            id: self.id.into(),
            venue_id: self.venue_id.into(),
            group_id: self.group_id.into(),
            name: self.name,
            price_delta: Money::from_minor(self.price_delta_minor),
            allergens: Allergens::from_bits(self.allergens),
            position: self.position,
            active: self.active,
            created_at: self.created_at.0,
            updated_at: self.updated_at.0,
        }
    }
}

/// The groups of `rows` with their options, in the rows' order: one query for all.
/// `only` narrows the options read to those groups (`None`: the venue's every group).
async fn with_options(
    conn: &mut Conn,
    venue: VenueId,
    rows: Vec<GroupRow>,
    only: Option<&[Key]>,
) -> Result<Vec<ModifierGroup>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let options: Vec<OptionRow> = match only {
        None => on!(conn, |c| mo::table
            .filter(mo::venue_id.eq(venue.key()))
            .order((mo::position, mo::name))
            .select(OptionRow::as_select())
            .load(c)
            .await)?,
        Some(ids) => on!(conn, |c| mo::table
            .filter(mo::venue_id.eq(venue.key()).and(mo::group_id.eq_any(ids)))
            .order((mo::position, mo::name))
            .select(OptionRow::as_select())
            .load(c)
            .await)?,
    };
    let mut by_group: HashMap<Key, Vec<ModifierOption>> = HashMap::new();
    for option in options {
        by_group
            .entry(option.group_id)
            .or_default()
            .push(option.model());
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let options = by_group.remove(&row.id).unwrap_or_default();
            row.model(options)
        })
        .collect())
}

/// Reads which groups each of `products` offers into it, in display order: one query
/// for all. `all` says they are every product of the venue (then no id list is sent).
pub(crate) async fn fill_groups(
    conn: &mut Conn,
    venue: VenueId,
    products: &mut [Product],
    all: bool,
) -> Result<(), StoreError> {
    if products.is_empty() {
        return Ok(());
    }
    let attached: Vec<(Key, Key)> = if all {
        on!(conn, |c| pmg::table
            .filter(pmg::venue_id.eq(venue.key()))
            .order((pmg::product_id, pmg::position))
            .select((pmg::product_id, pmg::group_id))
            .load(c)
            .await)?
    } else {
        let ids: Vec<Key> = products.iter().map(|p| p.id.key()).collect();
        on!(conn, |c| pmg::table
            .filter(
                pmg::venue_id
                    .eq(venue.key())
                    .and(pmg::product_id.eq_any(&ids))
            )
            .order((pmg::product_id, pmg::position))
            .select((pmg::product_id, pmg::group_id))
            .load(c)
            .await)?
    };
    let mut by_product: HashMap<Key, Vec<ModifierGroupId>> = HashMap::new();
    for (product, group) in attached {
        by_product.entry(product).or_default().push(group.into());
    }
    for product in products {
        product.modifier_group_ids = by_product.remove(&product.id.key()).unwrap_or_default();
    }
    Ok(())
}

#[async_trait]
impl ModifierStore for SqlTx {
    async fn insert_group(&mut self, group: &ModifierGroup) -> Result<(), StoreError> {
        let row = GroupRow::of(group);
        on!(&mut self.conn, |c| diesel::insert_into(mg::table)
            .values(&row)
            .execute(c)
            .await)?;
        // Row by row: diesel-async's SQLite connection takes no multi-row INSERT, and
        // a group holds a handful of options.
        for option in &group.options {
            self.insert_option(option).await?;
        }
        Ok(())
    }

    async fn update_group(&mut self, group: &ModifierGroup) -> Result<(), StoreError> {
        let row = GroupRow::of(group);
        on!(&mut self.conn, |c| diesel::update(
            mg::table.filter(
                mg::venue_id
                    .eq(group.venue_id.key())
                    .and(mg::id.eq(group.id.key()))
            )
        )
        .set(&row)
        .execute(c)
        .await)?;
        Ok(())
    }

    async fn get_group(
        &mut self,
        venue: VenueId,
        id: ModifierGroupId,
    ) -> Result<Option<ModifierGroup>, StoreError> {
        Ok(self.groups(venue, &[id]).await?.pop())
    }

    async fn groups(
        &mut self,
        venue: VenueId,
        ids: &[ModifierGroupId],
    ) -> Result<Vec<ModifierGroup>, StoreError> {
        let ids: Vec<Key> = ids.iter().map(AsKey::key).collect();
        let rows: Vec<GroupRow> = on!(&mut self.conn, |c| mg::table
            .filter(mg::venue_id.eq(venue.key()).and(mg::id.eq_any(&ids)))
            .order((mg::name, mg::id))
            .select(GroupRow::as_select())
            .load(c)
            .await)?;
        with_options(&mut self.conn, venue, rows, Some(&ids)).await
    }

    async fn list_groups(
        &mut self,
        venue: VenueId,
        page: Page,
    ) -> Result<Vec<ModifierGroup>, StoreError> {
        let rows: Vec<GroupRow> = on!(&mut self.conn, |c| mg::table
            .filter(mg::venue_id.eq(venue.key()))
            .order((mg::name, mg::id))
            .limit(page.fetch())
            .offset(page.offset)
            .select(GroupRow::as_select())
            .load(c)
            .await)?;
        with_options(&mut self.conn, venue, rows, None).await
    }

    async fn insert_option(&mut self, option: &ModifierOption) -> Result<(), StoreError> {
        let row = OptionRow::of(option);
        on!(&mut self.conn, |c| diesel::insert_into(mo::table)
            .values(&row)
            .execute(c)
            .await)?;
        Ok(())
    }

    async fn update_option(&mut self, option: &ModifierOption) -> Result<(), StoreError> {
        let row = OptionRow::of(option);
        on!(&mut self.conn, |c| diesel::update(
            mo::table.filter(
                mo::venue_id
                    .eq(option.venue_id.key())
                    .and(mo::id.eq(option.id.key()))
            )
        )
        .set(&row)
        .execute(c)
        .await)?;
        Ok(())
    }

    async fn set_product_groups(
        &mut self,
        venue: VenueId,
        product: ProductId,
        groups: &[ModifierGroupId],
    ) -> Result<(), StoreError> {
        on!(&mut self.conn, |c| diesel::delete(
            pmg::table.filter(
                pmg::venue_id
                    .eq(venue.key())
                    .and(pmg::product_id.eq(product.key()))
            )
        )
        .execute(c)
        .await)?;
        for (group, position) in groups.iter().zip(0..) {
            let row = (
                pmg::venue_id.eq(venue.key()),
                pmg::product_id.eq(product.key()),
                pmg::group_id.eq(group.key()),
                pmg::position.eq(position),
            );
            on!(&mut self.conn, |c| diesel::insert_into(pmg::table)
                .values(row)
                .execute(c)
                .await)?;
        }
        Ok(())
    }
}
