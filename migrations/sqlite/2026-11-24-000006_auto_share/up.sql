-- Auto-share rules: a tag matching the pattern shares the case with the
-- organisation its capture (or an alias) names. Shares remember where they
-- came from (a person, a link type, a rule).

CREATE TABLE auto_share_rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    pattern TEXT NOT NULL,
    aliases TEXT NOT NULL DEFAULT '',
    profile_id BIGINT NOT NULL REFERENCES profiles (id),
    task_rule TEXT NOT NULL,
    observable_rule TEXT NOT NULL,
    unshare_on_remove BOOLEAN NOT NULL DEFAULT FALSE,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    last_outcome TEXT,
    last_outcome_at BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_by TEXT,
    updated_at BIGINT,
    UNIQUE (organisation_id, pattern)
);

ALTER TABLE shares ADD COLUMN origin TEXT NOT NULL DEFAULT 'person';
