-- Custom tags: per organisation, linked to cases, alerts, observables and case
-- templates. Usage counts are computed from the link tables' indexes.

CREATE TABLE tags (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    colour TEXT NOT NULL DEFAULT '#3584e4',
    description TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_by TEXT,
    updated_at BIGINT,
    UNIQUE (organisation_id, name)
);

CREATE TABLE case_tags (
    tag_id BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    case_id BIGINT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    PRIMARY KEY (tag_id, case_id)
);
CREATE INDEX case_tags_case ON case_tags (case_id);

CREATE TABLE alert_tags (
    tag_id BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    alert_id BIGINT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    PRIMARY KEY (tag_id, alert_id)
);
CREATE INDEX alert_tags_alert ON alert_tags (alert_id);

CREATE TABLE observable_tags (
    tag_id BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    observable_id BIGINT NOT NULL REFERENCES observables (id) ON DELETE CASCADE,
    PRIMARY KEY (tag_id, observable_id)
);
CREATE INDEX observable_tags_observable ON observable_tags (observable_id);

CREATE TABLE template_tags (
    tag_id BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    template_id BIGINT NOT NULL REFERENCES case_templates (id) ON DELETE CASCADE,
    PRIMARY KEY (tag_id, template_id)
);
CREATE INDEX template_tags_template ON template_tags (template_id);

ALTER TABLE cases DROP COLUMN tags;
ALTER TABLE alerts DROP COLUMN tags;
ALTER TABLE observables DROP COLUMN tags;
ALTER TABLE case_templates DROP COLUMN tags;
