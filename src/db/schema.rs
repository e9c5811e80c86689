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

diesel::table! {
    organisation_links (from_organisation_id, to_organisation_id) {
        from_organisation_id -> BigInt,
        to_organisation_id -> BigInt,
        link_type -> Text,
        created_by -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    counters (name) {
        name -> Text,
        value -> BigInt,
    }
}

diesel::table! {
    cases (id) {
        id -> BigInt,
        number -> BigInt,
        owner_organisation_id -> BigInt,
        title -> Text,
        description -> Text,
        severity -> Integer,
        tlp -> Integer,
        pap -> Integer,
        status -> Text,
        impact_status -> Nullable<Text>,
        summary -> Nullable<Text>,
        assignee -> Nullable<Text>,
        flag -> Bool,
        start_date -> BigInt,
        end_date -> Nullable<BigInt>,
        created_by -> Text,
        created_at -> BigInt,
        updated_by -> Nullable<Text>,
        updated_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    shares (id) {
        id -> BigInt,
        case_id -> BigInt,
        organisation_id -> BigInt,
        profile_id -> BigInt,
        owner -> Bool,
        task_rule -> Text,
        observable_rule -> Text,
        case_number -> BigInt,
        case_updated_at -> BigInt,
        created_by -> Text,
        created_at -> BigInt,
        origin -> Text,
    }
}

diesel::table! {
    tasks (id) {
        id -> BigInt,
        case_id -> BigInt,
        title -> Text,
        group_name -> Text,
        description -> Text,
        status -> Text,
        assignee -> Nullable<Text>,
        order_index -> Integer,
        due_date -> Nullable<BigInt>,
        mandatory -> Bool,
        flag -> Bool,
        created_by -> Text,
        created_at -> BigInt,
        updated_by -> Nullable<Text>,
        updated_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    task_shares (share_id, task_id) {
        share_id -> BigInt,
        task_id -> BigInt,
        action_required -> Bool,
    }
}

diesel::table! {
    alerts (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        alert_type -> Text,
        source -> Text,
        source_ref -> Text,
        title -> Text,
        description -> Text,
        severity -> Integer,
        tlp -> Integer,
        pap -> Integer,
        status -> Text,
        case_id -> Nullable<BigInt>,
        created_by -> Text,
        created_at -> BigInt,
        updated_by -> Nullable<Text>,
        updated_at -> Nullable<BigInt>,
        follow -> Bool,
    }
}

diesel::table! {
    observables (id) {
        id -> BigInt,
        case_id -> Nullable<BigInt>,
        alert_id -> Nullable<BigInt>,
        data_type -> Text,
        data -> Text,
        message -> Text,
        tlp -> Integer,
        pap -> Integer,
        ioc -> Bool,
        sighted -> Bool,
        created_by -> Text,
        created_at -> BigInt,
        updated_by -> Nullable<Text>,
        updated_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    observable_shares (share_id, observable_id) {
        share_id -> BigInt,
        observable_id -> BigInt,
    }
}

diesel::table! {
    case_templates (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        name -> Text,
        title_prefix -> Text,
        description -> Text,
        severity -> Integer,
        tasks -> Text,
        created_by -> Text,
        created_at -> BigInt,
        updated_by -> Nullable<Text>,
        updated_at -> Nullable<BigInt>,
    }
}

diesel::joinable!(shares -> cases (case_id));
diesel::joinable!(shares -> organisations (organisation_id));
diesel::joinable!(shares -> profiles (profile_id));
diesel::joinable!(tasks -> cases (case_id));
diesel::joinable!(task_shares -> shares (share_id));
diesel::joinable!(task_shares -> tasks (task_id));
diesel::joinable!(observable_shares -> shares (share_id));
diesel::joinable!(observable_shares -> observables (observable_id));

diesel::table! {
    tags (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        name -> Text,
        colour -> Text,
        description -> Text,
        created_by -> Text,
        created_at -> BigInt,
        updated_by -> Nullable<Text>,
        updated_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    case_tags (tag_id, case_id) {
        tag_id -> BigInt,
        case_id -> BigInt,
    }
}

diesel::table! {
    alert_tags (tag_id, alert_id) {
        tag_id -> BigInt,
        alert_id -> BigInt,
    }
}

diesel::table! {
    observable_tags (tag_id, observable_id) {
        tag_id -> BigInt,
        observable_id -> BigInt,
    }
}

diesel::table! {
    template_tags (tag_id, template_id) {
        tag_id -> BigInt,
        template_id -> BigInt,
    }
}

diesel::table! {
    auto_share_rules (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        pattern -> Text,
        aliases -> Text,
        profile_id -> BigInt,
        task_rule -> Text,
        observable_rule -> Text,
        unshare_on_remove -> Bool,
        enabled -> Bool,
        last_outcome -> Nullable<Text>,
        last_outcome_at -> Nullable<BigInt>,
        created_by -> Text,
        created_at -> BigInt,
        updated_by -> Nullable<Text>,
        updated_at -> Nullable<BigInt>,
    }
}

diesel::joinable!(auto_share_rules -> profiles (profile_id));

diesel::table! {
    webhooks (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        name -> Text,
        url -> Text,
        secret -> Nullable<Text>,
        enabled -> Bool,
        actions -> Text,
        object_types -> Text,
        created_by -> Text,
        created_at -> BigInt,
        updated_by -> Nullable<Text>,
        updated_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        webhook_id -> BigInt,
        organisation_id -> BigInt,
        actor -> Text,
        action -> Text,
        object_type -> Text,
        object_id -> Text,
        root_id -> Nullable<Text>,
        details -> Text,
        event_at -> BigInt,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> BigInt,
        claimed_until -> Nullable<BigInt>,
        response_code -> Nullable<Integer>,
        error -> Nullable<Text>,
        delivered_at -> Nullable<BigInt>,
    }
}

diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(case_tags -> tags (tag_id));
diesel::joinable!(alert_tags -> tags (tag_id));
diesel::joinable!(observable_tags -> tags (tag_id));
diesel::joinable!(template_tags -> tags (tag_id));

diesel::allow_tables_to_appear_in_same_query!(
    auto_share_rules,
    webhooks,
    webhook_deliveries,
    settings,
    organisations,
    profiles,
    users,
    memberships,
    sessions,
    audit_records,
    login_failures,
    organisation_links,
    counters,
    cases,
    shares,
    tasks,
    task_shares,
    alerts,
    observables,
    observable_shares,
    case_templates,
    tags,
    case_tags,
    alert_tags,
    observable_tags,
    template_tags,
);
