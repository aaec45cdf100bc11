-- +goose Up
-- The five-level region tree. path is the materialized chain of codes from the
-- city down ("/230600/230602/"), so "everything under X" is a prefix-range scan.
CREATE TABLE regions (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    level       SMALLINT NOT NULL CHECK (level BETWEEN 1 AND 5),
    parent_code TEXT REFERENCES regions (code),
    path        {{path}} NOT NULL UNIQUE,
    valid_from  {{time}} NOT NULL,
    valid_to    {{time}},
    created_at  {{time}} NOT NULL,
    updated_at  {{time}} NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX regions_parent ON regions (parent_code, code);

CREATE TABLE users (
    id                   {{pk}},
    username             TEXT NOT NULL UNIQUE,
    display_name         TEXT NOT NULL DEFAULT '',
    password_hash        TEXT NOT NULL,
    role                 TEXT NOT NULL,
    -- A user is scoped to a region subtree or to a department; admins may have neither.
    scope_region         TEXT REFERENCES regions (code),
    scope_department     TEXT,
    totp_secret          {{bytes}},
    totp_enabled         BOOLEAN NOT NULL DEFAULT FALSE,
    totp_last_step       BIGINT NOT NULL DEFAULT 0,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    disabled             BOOLEAN NOT NULL DEFAULT FALSE,
    password_changed_at  {{time}} NOT NULL,
    created_at           {{time}} NOT NULL,
    updated_at           {{time}} NOT NULL,
    version              INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX users_scope_region ON users (scope_region);

-- Sessions are looked up by the SHA-256 of their token; the token itself is never stored.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    restricted   BOOLEAN NOT NULL DEFAULT FALSE,
    ip           TEXT NOT NULL DEFAULT '',
    created_at   {{time}} NOT NULL,
    last_seen_at {{time}} NOT NULL,
    expires_at   {{time}} NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Append-only, hash-chained audit log. audit_head holds the newest seq and
-- hash; appenders update it first, which serializes them on both engines and
-- lets verification notice rows removed from the end.
CREATE TABLE audit_log (
    seq         BIGINT PRIMARY KEY,
    at          {{time}} NOT NULL,
    actor_id    BIGINT,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL DEFAULT '',
    target_id   TEXT NOT NULL DEFAULT '',
    ip          TEXT NOT NULL DEFAULT '',
    outcome     TEXT NOT NULL DEFAULT 'ok',
    detail      TEXT NOT NULL DEFAULT '{}',
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id, seq);

CREATE TABLE audit_head (
    id   SMALLINT PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- +goose Down
DROP TABLE audit_head;
DROP TABLE audit_log;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE regions;
