-- Organisation links (one row per direction) and lookups for administration.

CREATE TABLE organisation_links (
    from_organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    to_organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    link_type TEXT NOT NULL CHECK (link_type IN ('default', 'supervised', 'notify')),
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (from_organisation_id, to_organisation_id),
    CHECK (from_organisation_id <> to_organisation_id)
);
CREATE INDEX organisation_links_to ON organisation_links (to_organisation_id);

CREATE UNIQUE INDEX users_api_key ON users (api_key_hash);
CREATE INDEX organisations_created ON organisations (created_at, id);
CREATE INDEX audit_records_actor ON audit_records (actor, id);
