//! Diesel's view of `migrations/postgres` and `migrations/sqlite`, kept by hand for both:
//! a column added by a migration is added here too. `Id`, `Stamp` and `Doc` name each
//! dialect's storage (`crate::types`); the schema tests (`tests/schema.rs`) compare this
//! file with a freshly migrated database of each dialect.

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{Doc, Id, Stamp};

    venues (id) {
        id -> Id,
        name -> Text,
        stock_policy -> Text,
        last_order_number -> BigInt,
        last_event_seq -> BigInt,
        created_at -> Stamp,
        timezone -> Text,
        currency -> Text,
        business_day_starts_minutes -> Integer,
        allow_unpaid_close -> Bool,
        stuck_after_minutes -> Integer,
        target_ticket_minutes -> Integer,
        menu_version -> BigInt,
        prices_include_tax -> Bool,
        service_charge -> Integer,
        hidden -> Bool,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{Doc, Id, Stamp};

    users (id) {
        id -> Id,
        email -> Text,
        full_name -> Text,
        password_hash -> Text,
        created_at -> Stamp,
        session_epoch -> BigInt,
        disabled_at -> Nullable<Stamp>,
        access_changed_at -> Nullable<Stamp>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{Doc, Id, Stamp};

    password_tokens (token_hash) {
        token_hash -> Text,
        user_id -> Id,
        expires_at -> Stamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{Doc, Id, Stamp};

    ws_tickets (ticket_hash) {
        ticket_hash -> Text,
        user_id -> Id,
        session_epoch -> BigInt,
        token_expires_at -> Stamp,
        expires_at -> Stamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{Doc, Id, Stamp};

    memberships (venue_id, user_id) {
        user_id -> Id,
        venue_id -> Id,
        role -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{Doc, Id, Stamp};

    dining_tables (venue_id, id) {
        id -> Id,
        venue_id -> Id,
        name -> Text,
        seats -> Integer,
        area -> Nullable<Text>,
        position_json -> Doc,
        status -> Text,
        created_at -> Stamp,
        updated_at -> Stamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{Doc, Id, Stamp};

    products (venue_id, id) {
        id -> Id,
        venue_id -> Id,
        name -> Text,
        sku -> Text,
        unit -> Text,
        cost_minor -> BigInt,
        price_minor -> BigInt,
        attributes -> Doc,
        stock_tracked -> Bool,
        active -> Bool,
        created_at -> Stamp,
        updated_at -> Stamp,
        category_id -> Nullable<Id>,
        allergens -> Integer,
        tax_class_id -> Nullable<Id>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{Id, Stamp};

    categories (venue_id, id) {
        venue_id -> Id,
        id -> Id,
        name -> Text,
        position -> Integer,
        active -> Bool,
        created_at -> Stamp,
        updated_at -> Stamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{Doc, Id, Stamp};

    lots (venue_id, id) {
        id -> Id,
        venue_id -> Id,
        product_id -> Id,
        lot_code -> Text,
        qty_init_milli -> BigInt,
        qty_current_milli -> BigInt,
        unit -> Text,
        cost_per_unit_minor -> BigInt,
        expiry_date -> Nullable<Date>,
        storage_location -> Nullable<Text>,
        received_at -> Stamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{Doc, Id, Stamp};

    stock_movements (venue_id, id) {
        id -> Id,
        venue_id -> Id,
        lot_id -> Id,
        product_id -> Id,
        movement_type -> Text,
        quantity_milli -> BigInt,
        reference_type -> Nullable<Text>,
        reference_id -> Nullable<Id>,
        created_by -> Nullable<Id>,
        created_at -> Stamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{Doc, Id, Stamp};

    orders (venue_id, id) {
        id -> Id,
        venue_id -> Id,
        order_number -> Nullable<BigInt>,
        table_id -> Nullable<Id>,
        status -> Text,
        covers -> Integer,
        notes -> Nullable<Text>,
        created_by -> Id,
        total_minor -> BigInt,
        created_at -> Stamp,
        updated_at -> Stamp,
        confirmed_at -> Nullable<Stamp>,
        kitchen_started_at -> Nullable<Stamp>,
        ready_at -> Nullable<Stamp>,
        served_at -> Nullable<Stamp>,
        completed_at -> Nullable<Stamp>,
        cancelled_at -> Nullable<Stamp>,
        prices_include_tax -> Bool,
        service_charge -> Integer,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{Doc, Id, Stamp};

    order_items (venue_id, id) {
        id -> Id,
        venue_id -> Id,
        order_id -> Id,
        product_id -> Id,
        product_name -> Text,
        quantity_milli -> BigInt,
        unit_price_minor -> BigInt,
        notes -> Nullable<Text>,
        modifiers -> Doc,
        shortfall_milli -> BigInt,
        created_at -> Stamp,
        options -> Doc,
        tax_rate -> Integer,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{Doc, Id, Stamp};

    order_item_lots (venue_id, order_item_id, lot_id) {
        order_item_id -> Id,
        lot_id -> Id,
        venue_id -> Id,
        quantity_milli -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{Doc, Id, Stamp};

    events (venue_id, seq) {
        venue_id -> Id,
        seq -> BigInt,
        event_type -> Text,
        data -> Doc,
        created_at -> Stamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{Doc, Id, Stamp};

    idempotency_keys (venue_id, user_id, key) {
        venue_id -> Id,
        user_id -> Id,
        key -> Text,
        fingerprint -> Text,
        resource_id -> Id,
        created_at -> Stamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{Id, Stamp};

    modifier_groups (venue_id, id) {
        venue_id -> Id,
        id -> Id,
        name -> Text,
        min_choices -> Integer,
        max_choices -> Integer,
        created_at -> Stamp,
        updated_at -> Stamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{Id, Stamp};

    modifier_options (venue_id, id) {
        venue_id -> Id,
        id -> Id,
        group_id -> Id,
        name -> Text,
        price_delta_minor -> BigInt,
        allergens -> Integer,
        position -> Integer,
        active -> Bool,
        created_at -> Stamp,
        updated_at -> Stamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::Id;

    product_modifier_groups (venue_id, product_id, group_id) {
        venue_id -> Id,
        product_id -> Id,
        group_id -> Id,
        position -> Integer,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{Id, Stamp};

    tax_classes (venue_id, id) {
        venue_id -> Id,
        id -> Id,
        name -> Text,
        rate -> Integer,
        is_default -> Bool,
        created_at -> Stamp,
        updated_at -> Stamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{Id, Stamp};

    payments (venue_id, id) {
        venue_id -> Id,
        id -> Id,
        order_id -> Id,
        method -> Text,
        state -> Text,
        amount_minor -> BigInt,
        tip_minor -> BigInt,
        tendered_minor -> Nullable<BigInt>,
        change_minor -> Nullable<BigInt>,
        reference -> Nullable<Text>,
        created_by -> Id,
        created_at -> Stamp,
        updated_at -> Stamp,
        refunded_by -> Nullable<Id>,
        refund_reason -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{Id, Stamp};

    discounts (venue_id, id) {
        venue_id -> Id,
        id -> Id,
        order_id -> Id,
        item_id -> Nullable<Id>,
        percent -> Nullable<Integer>,
        amount_minor -> Nullable<BigInt>,
        reason -> Text,
        created_by -> Id,
        created_at -> Stamp,
    }
}

// No `joinable!`: it assumes single-column keys, and every key between venue-owned
// tables names the venue. Joins spell `ON venue_id = .. AND id = ..` out, which is also
// what keeps a join on one shard when tables are distributed by venue.

diesel::allow_tables_to_appear_in_same_query!(
    venues,
    users,
    memberships,
    dining_tables,
    products,
    lots,
    stock_movements,
    orders,
    order_items,
    order_item_lots,
    events,
    idempotency_keys,
    ws_tickets,
    password_tokens,
    categories,
    modifier_groups,
    modifier_options,
    product_modifier_groups,
    tax_classes,
    payments,
    discounts,
    kitchen_alerts,
);

diesel::table! {
    use diesel::sql_types::*;
    use crate::types::{Id, Stamp};

    kitchen_alerts (venue_id, order_id, code) {
        venue_id -> Id,
        order_id -> Id,
        code -> Text,
        raised_at -> Stamp,
    }
}
