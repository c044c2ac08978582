//! Diesel's view of `migrations/postgres`, kept by hand: a column added by a migration
//! is added here too (the e2e suite exercises every column through the API).

diesel::table! {
    venues (id) {
        id -> Uuid,
        name -> Text,
        stock_policy -> Text,
        last_order_number -> Int8,
        last_event_seq -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Text,
        full_name -> Text,
        password_hash -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    memberships (user_id, venue_id) {
        user_id -> Uuid,
        venue_id -> Uuid,
        role -> Text,
    }
}

diesel::table! {
    dining_tables (id) {
        id -> Uuid,
        venue_id -> Uuid,
        name -> Text,
        seats -> Int4,
        area -> Nullable<Text>,
        position_json -> Jsonb,
        status -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    products (id) {
        id -> Uuid,
        venue_id -> Uuid,
        name -> Text,
        sku -> Text,
        unit -> Text,
        cost_minor -> Int8,
        price_minor -> Int8,
        category -> Nullable<Text>,
        attributes -> Jsonb,
        stock_tracked -> Bool,
        active -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    lots (id) {
        id -> Uuid,
        venue_id -> Uuid,
        product_id -> Uuid,
        lot_code -> Text,
        qty_init_milli -> Int8,
        qty_current_milli -> Int8,
        unit -> Text,
        cost_per_unit_minor -> Int8,
        expiry_date -> Nullable<Date>,
        storage_location -> Nullable<Text>,
        received_at -> Timestamptz,
    }
}

diesel::table! {
    stock_movements (id) {
        id -> Uuid,
        venue_id -> Uuid,
        lot_id -> Uuid,
        product_id -> Uuid,
        movement_type -> Text,
        quantity_milli -> Int8,
        reference_type -> Nullable<Text>,
        reference_id -> Nullable<Uuid>,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    orders (id) {
        id -> Uuid,
        venue_id -> Uuid,
        order_number -> Nullable<Int8>,
        table_id -> Nullable<Uuid>,
        status -> Text,
        covers -> Int4,
        notes -> Nullable<Text>,
        created_by -> Uuid,
        total_minor -> Int8,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        confirmed_at -> Nullable<Timestamptz>,
        kitchen_started_at -> Nullable<Timestamptz>,
        ready_at -> Nullable<Timestamptz>,
        served_at -> Nullable<Timestamptz>,
        completed_at -> Nullable<Timestamptz>,
        cancelled_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    order_items (id) {
        id -> Uuid,
        venue_id -> Uuid,
        order_id -> Uuid,
        product_id -> Uuid,
        product_name -> Text,
        quantity_milli -> Int8,
        unit_price_minor -> Int8,
        notes -> Nullable<Text>,
        modifiers -> Jsonb,
        shortfall_milli -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    order_item_lots (order_item_id, lot_id) {
        order_item_id -> Uuid,
        lot_id -> Uuid,
        venue_id -> Uuid,
        quantity_milli -> Int8,
    }
}

diesel::table! {
    events (venue_id, seq) {
        venue_id -> Uuid,
        seq -> Int8,
        event_type -> Text,
        data -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    idempotency_keys (venue_id, user_id, key) {
        venue_id -> Uuid,
        user_id -> Uuid,
        key -> Text,
        fingerprint -> Text,
        resource_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(orders -> dining_tables (table_id));
diesel::joinable!(order_items -> orders (order_id));

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
);
