-- Cases, tasks, observables, alerts, case templates and sharing.
-- `shares` carries copies of what the cases list sorts on (case number and
-- update time), so a page of an organisation's cases is one index range scan.

CREATE TABLE counters (
    name TEXT PRIMARY KEY NOT NULL,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('case_number', 0);

CREATE TABLE cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    number BIGINT NOT NULL UNIQUE,
    owner_organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    severity INTEGER NOT NULL DEFAULT 2,
    tlp INTEGER NOT NULL DEFAULT 2,
    pap INTEGER NOT NULL DEFAULT 2,
    status TEXT NOT NULL DEFAULT 'New',
    impact_status TEXT,
    summary TEXT,
    assignee TEXT,
    flag BOOLEAN NOT NULL DEFAULT 0,
    tags TEXT NOT NULL DEFAULT '[]',
    start_date BIGINT NOT NULL,
    end_date BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_by TEXT,
    updated_at BIGINT
);

CREATE TABLE shares (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    case_id BIGINT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    profile_id BIGINT NOT NULL REFERENCES profiles (id),
    owner BOOLEAN NOT NULL DEFAULT 0,
    task_rule TEXT NOT NULL DEFAULT 'manual',
    observable_rule TEXT NOT NULL DEFAULT 'manual',
    case_number BIGINT NOT NULL,
    case_updated_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (case_id, organisation_id)
);
CREATE INDEX shares_list_updated ON shares (organisation_id, case_updated_at, case_id);
CREATE INDEX shares_list_owner_updated ON shares (organisation_id, owner, case_updated_at, case_id);
CREATE INDEX shares_list_number ON shares (organisation_id, case_number);
CREATE INDEX shares_list_owner_number ON shares (organisation_id, owner, case_number);
CREATE INDEX shares_profile ON shares (profile_id);

CREATE TABLE tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    case_id BIGINT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    group_name TEXT NOT NULL DEFAULT 'default',
    description TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'Waiting',
    assignee TEXT,
    order_index INTEGER NOT NULL DEFAULT 0,
    due_date BIGINT,
    mandatory BOOLEAN NOT NULL DEFAULT 0,
    flag BOOLEAN NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_by TEXT,
    updated_at BIGINT
);
CREATE INDEX tasks_case ON tasks (case_id);

CREATE TABLE task_shares (
    share_id BIGINT NOT NULL REFERENCES shares (id) ON DELETE CASCADE,
    task_id BIGINT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    action_required BOOLEAN NOT NULL DEFAULT 0,
    PRIMARY KEY (share_id, task_id)
);
CREATE INDEX task_shares_task ON task_shares (task_id);

CREATE TABLE alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    alert_type TEXT NOT NULL,
    source TEXT NOT NULL,
    source_ref TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    severity INTEGER NOT NULL DEFAULT 2,
    tlp INTEGER NOT NULL DEFAULT 2,
    pap INTEGER NOT NULL DEFAULT 2,
    status TEXT NOT NULL DEFAULT 'New',
    tags TEXT NOT NULL DEFAULT '[]',
    case_id BIGINT REFERENCES cases (id) ON DELETE SET NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_by TEXT,
    updated_at BIGINT,
    UNIQUE (organisation_id, alert_type, source, source_ref)
);
CREATE INDEX alerts_list ON alerts (organisation_id, created_at, id);

CREATE TABLE observables (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    case_id BIGINT REFERENCES cases (id) ON DELETE CASCADE,
    alert_id BIGINT REFERENCES alerts (id) ON DELETE CASCADE,
    data_type TEXT NOT NULL,
    data TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    tlp INTEGER NOT NULL DEFAULT 2,
    pap INTEGER NOT NULL DEFAULT 2,
    ioc BOOLEAN NOT NULL DEFAULT 0,
    sighted BOOLEAN NOT NULL DEFAULT 0,
    tags TEXT NOT NULL DEFAULT '[]',
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_by TEXT,
    updated_at BIGINT,
    CHECK ((case_id IS NULL) <> (alert_id IS NULL))
);
CREATE INDEX observables_case ON observables (case_id);
CREATE INDEX observables_alert ON observables (alert_id);

CREATE TABLE observable_shares (
    share_id BIGINT NOT NULL REFERENCES shares (id) ON DELETE CASCADE,
    observable_id BIGINT NOT NULL REFERENCES observables (id) ON DELETE CASCADE,
    PRIMARY KEY (share_id, observable_id)
);
CREATE INDEX observable_shares_observable ON observable_shares (observable_id);

CREATE TABLE case_templates (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    name TEXT NOT NULL,
    title_prefix TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    severity INTEGER NOT NULL DEFAULT 2,
    tags TEXT NOT NULL DEFAULT '[]',
    tasks TEXT NOT NULL DEFAULT '[]',
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_by TEXT,
    updated_at BIGINT,
    UNIQUE (organisation_id, name)
);
