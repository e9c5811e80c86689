// Written by hand to match migrations/sqlite and migrations/postgres; the same
// schema serves both backends through `DbConn`.

diesel::table! {
    settings (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    organisations (id) {
        id -> BigInt,
        name -> Text,
        name_key -> Text,
        description -> Text,
        locked -> Bool,
        task_rule -> Text,
        observable_rule -> Text,
        created_by -> Text,
        created_at -> BigInt,
        updated_by -> Nullable<Text>,
        updated_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    profiles (id) {
        id -> BigInt,
        name -> Text,
        kind -> Text,
        permissions -> Text,
        editable -> Bool,
        created_by -> Text,
        created_at -> BigInt,
        updated_by -> Nullable<Text>,
        updated_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        login -> Text,
        login_key -> Text,
        name -> Text,
        email -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        api_key_hash -> Nullable<Text>,
        locked -> Bool,
        default_organisation_id -> Nullable<BigInt>,
        created_by -> Text,
        created_at -> BigInt,
        updated_by -> Nullable<Text>,
        updated_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    memberships (id) {
        id -> BigInt,
        user_id -> BigInt,
        organisation_id -> BigInt,
        profile_id -> BigInt,
        created_by -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Nullable<BigInt>,
        state -> Text,
        expires_at -> BigInt,
    }
}

diesel::table! {
    audit_records (id) {
        id -> BigInt,
        actor -> Text,
        organisation_id -> Nullable<BigInt>,
        action -> Text,
        object_type -> Text,
        object_id -> Text,
        root_id -> Nullable<Text>,
        details -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    login_failures (subject) {
        subject -> Text,
        window_start -> BigInt,
        failures -> Integer,
    }
}

diesel::joinable!(memberships -> users (user_id));
diesel::joinable!(memberships -> organisations (organisation_id));
diesel::joinable!(memberships -> profiles (profile_id));

diesel::allow_tables_to_appear_in_same_query!(
    settings,
    organisations,
    profiles,
    users,
    memberships,
    sessions,
    audit_records,
    login_failures,
);

diesel::table! {
    organisation_links (from_organisation_id, to_organisation_id) {
        from_organisation_id -> BigInt,
        to_organisation_id -> BigInt,
        link_type -> Text,
        created_by -> Text,
        created_at -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(organisation_links, organisations);
