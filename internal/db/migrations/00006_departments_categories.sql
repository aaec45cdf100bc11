-- +goose Up
-- The catalog of the event loop: the departments (职能部门) that handle
-- events, the configurable tree of event categories with their standards and
-- time limits, and the routing rules that send a category in a region to a
-- lead department (with assisting ones).

-- A department belongs to a city, county or township; it carries that
-- region's path so that scope is the same prefix-range scan as everywhere.
CREATE TABLE departments (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    level       SMALLINT NOT NULL CHECK (level BETWEEN 1 AND 3),
    region_code TEXT NOT NULL REFERENCES regions (code),
    region_path {{path}} NOT NULL,
    parent_code TEXT REFERENCES departments (code),
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  {{time}} NOT NULL,
    updated_at  {{time}} NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX departments_region ON departments (region_path, code);
CREATE INDEX departments_parent ON departments (parent_code);
CREATE INDEX departments_name ON departments (name);

-- Categories form a tree of groups and leaves; a child's code is its
-- parent's code, a dot and one segment ("dispute.neighbour"), so a code
-- names its ancestors. Only leaves carry standards, urgency and limits
-- (JSON: per step {amount, unit}, optionally overridden per handling level).
CREATE TABLE categories (
    code                  TEXT PRIMARY KEY,
    parent_code           TEXT REFERENCES categories (code),
    name                  TEXT NOT NULL,
    name_en               TEXT NOT NULL,
    keywords              TEXT NOT NULL DEFAULT '[]',
    sort                  INTEGER NOT NULL DEFAULT 0,
    leaf                  BOOLEAN NOT NULL,
    registration_standard TEXT NOT NULL DEFAULT '',
    closing_standard      TEXT NOT NULL DEFAULT '',
    default_urgency       TEXT NOT NULL DEFAULT '',
    limits                TEXT NOT NULL DEFAULT '',
    yellow_at             DOUBLE PRECISION NOT NULL DEFAULT 0.8,
    red_at                DOUBLE PRECISION NOT NULL DEFAULT 1.0,
    active                BOOLEAN NOT NULL DEFAULT TRUE,
    created_at            {{time}} NOT NULL,
    updated_at            {{time}} NOT NULL,
    version               INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX categories_parent ON categories (parent_code, sort, code);

-- (category, region prefix) → lead department. A rule on a group covers the
-- group's whole subtree, a rule on a region the region's whole subtree.
CREATE TABLE routing_rules (
    id              {{pk}},
    category_code   TEXT NOT NULL REFERENCES categories (code),
    region_code     TEXT NOT NULL REFERENCES regions (code),
    region_path     {{path}} NOT NULL,
    lead_department TEXT NOT NULL REFERENCES departments (code),
    note            TEXT NOT NULL DEFAULT '',
    created_at      {{time}} NOT NULL,
    updated_at      {{time}} NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1,
    UNIQUE (category_code, region_path)
);
CREATE INDEX routing_rules_region ON routing_rules (region_path);
CREATE INDEX routing_rules_lead ON routing_rules (lead_department);

-- Assisting departments of joint handling, in the order the rule lists them.
CREATE TABLE routing_rule_assists (
    rule_id         BIGINT NOT NULL REFERENCES routing_rules (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    department_code TEXT NOT NULL REFERENCES departments (code),
    PRIMARY KEY (rule_id, position),
    UNIQUE (rule_id, department_code)
);
CREATE INDEX routing_rule_assists_department ON routing_rule_assists (department_code);

-- Bumped by every change of categories or routing rules, so that each server
-- knows when to reload its in-memory copy (one row per copy).
CREATE TABLE catalog_state (
    name    TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO catalog_state (name, version) VALUES ('categories', 0), ('routing', 0);

-- +goose Down
DROP TABLE catalog_state;
DROP TABLE routing_rule_assists;
DROP TABLE routing_rules;
DROP TABLE categories;
DROP TABLE departments;
