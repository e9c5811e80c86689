-- Foundation schema: organisations, profiles, users, memberships, sessions,
-- audit records, login rate-limit counters and instance settings.
-- Timestamps are epoch milliseconds (UTC); ids are 64-bit integers.

CREATE TABLE settings (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

CREATE TABLE organisations (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    locked BOOLEAN NOT NULL DEFAULT 0,
    task_rule TEXT NOT NULL DEFAULT 'manual',
    observable_rule TEXT NOT NULL DEFAULT 'manual',
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_by TEXT,
    updated_at BIGINT
);

CREATE TABLE profiles (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('admin', 'organisation')),
    permissions TEXT NOT NULL DEFAULT '',
    editable BOOLEAN NOT NULL DEFAULT 1,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_by TEXT,
    updated_at BIGINT
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    login TEXT NOT NULL,
    login_key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    email TEXT,
    password_hash TEXT,
    api_key_hash TEXT,
    locked BOOLEAN NOT NULL DEFAULT 0,
    default_organisation_id BIGINT REFERENCES organisations (id) ON DELETE SET NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_by TEXT,
    updated_at BIGINT
);

CREATE TABLE memberships (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    profile_id BIGINT NOT NULL REFERENCES profiles (id),
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (user_id, organisation_id)
);
CREATE INDEX memberships_organisation ON memberships (organisation_id, user_id);
CREATE INDEX memberships_profile ON memberships (profile_id);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT,
    state TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE audit_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    actor TEXT NOT NULL,
    organisation_id BIGINT,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    root_id TEXT,
    details TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL
);
CREATE INDEX audit_records_organisation ON audit_records (organisation_id, id);

CREATE TABLE login_failures (
    subject TEXT PRIMARY KEY NOT NULL,
    window_start BIGINT NOT NULL,
    failures INTEGER NOT NULL
);
