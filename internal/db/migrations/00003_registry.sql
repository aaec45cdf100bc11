-- +goose Up
-- The person and house registry (人房). Houses and persons carry their grid
-- and its region path, so scope and roll-ups are prefix-range scans.
CREATE TABLE houses (
    id            {{pk}},
    code          TEXT NOT NULL UNIQUE,
    estate        TEXT NOT NULL DEFAULT '',
    building      TEXT NOT NULL DEFAULT '',
    unit          TEXT NOT NULL DEFAULT '',
    room          TEXT NOT NULL DEFAULT '',
    address       TEXT NOT NULL DEFAULT '',
    lng           DOUBLE PRECISION,
    lat           DOUBLE PRECISION,
    grid_code     TEXT NOT NULL REFERENCES regions (code),
    region_path   {{path}} NOT NULL,
    usage         TEXT NOT NULL,
    structure     TEXT NOT NULL DEFAULT '',
    floor_area_m2 DOUBLE PRECISION,
    created_at    {{time}} NOT NULL,
    updated_at    {{time}} NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX houses_region ON houses (region_path, id);
CREATE INDEX houses_usage ON houses (usage, region_path);

-- ID numbers and phones are sealed (AES-GCM) and found through an HMAC blind
-- index; the masked forms are kept so that lists never decrypt anything.
CREATE TABLE persons (
    id              {{pk}},
    name            TEXT NOT NULL,
    id_kind         TEXT NOT NULL,
    id_number_enc   {{bytes}} NOT NULL,
    id_number_index TEXT NOT NULL UNIQUE,
    id_number_mask  TEXT NOT NULL,
    birth_date      TEXT NOT NULL,
    sex             TEXT NOT NULL,
    phone_enc       {{bytes}},
    phone_index     TEXT,
    phone_mask      TEXT NOT NULL DEFAULT '',
    residence_type  TEXT NOT NULL,
    household_no    TEXT NOT NULL DEFAULT '',
    relation        TEXT NOT NULL DEFAULT '',
    grid_code       TEXT NOT NULL REFERENCES regions (code),
    region_path     {{path}} NOT NULL,
    created_at      {{time}} NOT NULL,
    updated_at      {{time}} NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX persons_region ON persons (region_path, id);
CREATE INDEX persons_name ON persons (name, region_path);
CREATE INDEX persons_phone ON persons (phone_index);
CREATE INDEX persons_birth ON persons (birth_date);

CREATE TABLE person_houses (
    person_id BIGINT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    house_id  BIGINT NOT NULL REFERENCES houses (id) ON DELETE CASCADE,
    relation  TEXT NOT NULL,
    PRIMARY KEY (person_id, house_id, relation)
);
CREATE INDEX person_houses_house ON person_houses (house_id);

CREATE TABLE person_tags (
    person_id BIGINT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    tag       TEXT NOT NULL,
    since     TEXT NOT NULL DEFAULT '',
    until     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (person_id, tag)
);
CREATE INDEX person_tags_tag ON person_tags (tag, person_id);

-- A reveal of a person's numbers: who, whom, why, until when.
CREATE TABLE pii_reveals (
    id         {{pk}},
    user_id    BIGINT NOT NULL,
    person_id  BIGINT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL,
    created_at {{time}} NOT NULL,
    expires_at {{time}} NOT NULL
);
CREATE INDEX pii_reveals_lookup ON pii_reveals (user_id, person_id, expires_at);

-- +goose Down
DROP TABLE pii_reveals;
DROP TABLE person_tags;
DROP TABLE person_houses;
DROP TABLE persons;
DROP TABLE houses;
