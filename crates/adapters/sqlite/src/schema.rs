//! Diesel's view of `migrations/sqlite`, kept by hand beside the PostgreSQL one: the
//! same tables and columns, in SQLite's types (ids as text).

diesel::table! {
    venues (id) {
        id -> Text,
        name -> Text,
        stock_policy -> Text,
        last_order_number -> BigInt,
        last_event_seq -> BigInt,
        created_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        full_name -> Text,
        password_hash -> Text,
        created_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    memberships (user_id, venue_id) {
        user_id -> Text,
        venue_id -> Text,
        role -> Text,
    }
}

diesel::table! {
    dining_tables (id) {
        id -> Text,
        venue_id -> Text,
        name -> Text,
        seats -> Integer,
        area -> Nullable<Text>,
        position_json -> Json,
        status -> Text,
        created_at -> TimestamptzSqlite,
        updated_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    products (id) {
        id -> Text,
        venue_id -> Text,
        name -> Text,
        sku -> Text,
        unit -> Text,
        cost_minor -> BigInt,
        price_minor -> BigInt,
        category -> Nullable<Text>,
        attributes -> Json,
        stock_tracked -> Bool,
        active -> Bool,
        created_at -> TimestamptzSqlite,
        updated_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    lots (id) {
        id -> Text,
        venue_id -> Text,
        product_id -> Text,
        lot_code -> Text,
        qty_init_milli -> BigInt,
        qty_current_milli -> BigInt,
        unit -> Text,
        cost_per_unit_minor -> BigInt,
        expiry_date -> Nullable<Date>,
        storage_location -> Nullable<Text>,
        received_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    stock_movements (id) {
        id -> Text,
        venue_id -> Text,
        lot_id -> Text,
        product_id -> Text,
        movement_type -> Text,
        quantity_milli -> BigInt,
        reference_type -> Nullable<Text>,
        reference_id -> Nullable<Text>,
        created_by -> Nullable<Text>,
        created_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    orders (id) {
        id -> Text,
        venue_id -> Text,
        order_number -> Nullable<BigInt>,
        table_id -> Nullable<Text>,
        status -> Text,
        covers -> Integer,
        notes -> Nullable<Text>,
        created_by -> Text,
        total_minor -> BigInt,
        created_at -> TimestamptzSqlite,
        updated_at -> TimestamptzSqlite,
        confirmed_at -> Nullable<TimestamptzSqlite>,
        kitchen_started_at -> Nullable<TimestamptzSqlite>,
        ready_at -> Nullable<TimestamptzSqlite>,
        served_at -> Nullable<TimestamptzSqlite>,
        completed_at -> Nullable<TimestamptzSqlite>,
        cancelled_at -> Nullable<TimestamptzSqlite>,
    }
}

diesel::table! {
    order_items (id) {
        id -> Text,
        venue_id -> Text,
        order_id -> Text,
        product_id -> Text,
        product_name -> Text,
        quantity_milli -> BigInt,
        unit_price_minor -> BigInt,
        notes -> Nullable<Text>,
        modifiers -> Json,
        shortfall_milli -> BigInt,
        created_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    order_item_lots (order_item_id, lot_id) {
        order_item_id -> Text,
        lot_id -> Text,
        venue_id -> Text,
        quantity_milli -> BigInt,
    }
}

diesel::table! {
    events (venue_id, seq) {
        venue_id -> Text,
        seq -> BigInt,
        event_type -> Text,
        data -> Json,
        created_at -> TimestamptzSqlite,
    }
}

diesel::table! {
    idempotency_keys (venue_id, user_id, key) {
        venue_id -> Text,
        user_id -> Text,
        key -> Text,
        fingerprint -> Text,
        resource_id -> Text,
        created_at -> TimestamptzSqlite,
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
