-- +goose Up
-- The workforce (网格员队伍): grid workers and their grids, the other members
-- of each grid's 1+1+N team, the device bound to each worker (人机格绑定),
-- attendance check-ins and leave. Rows carry the region path of their grid
-- (a worker: of the primary grid) so scope and roll-ups are range scans.
CREATE TABLE workers (
    id           {{pk}},
    name         TEXT NOT NULL,
    -- Phones are sealed with the data keyring; the masked form is for lists.
    phone_enc    {{bytes}},
    phone_mask   TEXT NOT NULL DEFAULT '',
    -- The account the worker logs in to the worker app with (role worker).
    user_id      BIGINT UNIQUE REFERENCES users (id),
    employment   TEXT NOT NULL,
    hire_date    TEXT NOT NULL,
    active       BOOLEAN NOT NULL DEFAULT TRUE,
    primary_grid TEXT NOT NULL REFERENCES regions (code),
    region_path  {{path}} NOT NULL,
    -- Empty: the deployment's default schedule; else "days start end" as
    -- "1,2,3,4,5 08:30 17:30".
    schedule     TEXT NOT NULL DEFAULT '',
    created_at   {{time}} NOT NULL,
    updated_at   {{time}} NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX workers_region ON workers (region_path, id);

CREATE TABLE worker_grids (
    worker_id   BIGINT NOT NULL REFERENCES workers (id) ON DELETE CASCADE,
    grid_code   TEXT NOT NULL REFERENCES regions (code),
    region_path {{path}} NOT NULL,
    is_primary  BOOLEAN NOT NULL DEFAULT FALSE,
    grid_chief  BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (worker_id, grid_code)
);
CREATE INDEX worker_grids_grid ON worker_grids (grid_code);
CREATE INDEX worker_grids_region ON worker_grids (region_path);
-- One grid chief (网格长) per grid.
CREATE UNIQUE INDEX worker_grids_one_chief ON worker_grids (grid_code) WHERE grid_chief;

-- The "1" police officer and the "N" others of a grid's team; the grid's
-- workers are the worker_grids rows.
CREATE TABLE team_members (
    id              {{pk}},
    grid_code       TEXT NOT NULL REFERENCES regions (code),
    region_path     {{path}} NOT NULL,
    role            TEXT NOT NULL,
    name            TEXT NOT NULL,
    phone_enc       {{bytes}},
    phone_mask      TEXT NOT NULL DEFAULT '',
    department_code TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    created_at      {{time}} NOT NULL,
    updated_at      {{time}} NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX team_members_grid ON team_members (grid_code, id);
CREATE INDEX team_members_region ON team_members (region_path);

-- A worker's device and the Ed25519 public key its requests are signed
-- with. One active device per worker and one worker per active device id;
-- revoked rows stay for the record.
CREATE TABLE worker_devices (
    id             {{pk}},
    worker_id      BIGINT NOT NULL REFERENCES workers (id),
    device_id      TEXT NOT NULL,
    public_key     {{bytes}} NOT NULL,
    status         TEXT NOT NULL DEFAULT 'active',
    bound_at       {{time}} NOT NULL,
    revoked_at     {{time}},
    revoked_reason TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX worker_devices_one_per_worker ON worker_devices (worker_id) WHERE status = 'active';
CREATE UNIQUE INDEX worker_devices_active_id ON worker_devices (device_id) WHERE status = 'active';
CREATE INDEX worker_devices_device ON worker_devices (device_id);

-- Re-binding to a new device: a request, then a supervisor's decision.
CREATE TABLE rebind_requests (
    id            {{pk}},
    worker_id     BIGINT NOT NULL REFERENCES workers (id),
    region_path   {{path}} NOT NULL,
    reason        TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'pending',
    requested_by  BIGINT NOT NULL,
    requested_at  {{time}} NOT NULL,
    decided_by    BIGINT,
    decided_at    {{time}},
    decision_note TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX rebind_requests_one_pending ON rebind_requests (worker_id) WHERE status = 'pending';
CREATE INDEX rebind_requests_region ON rebind_requests (region_path, status);

-- One-time enrolment codes, kept only as a keyed hash.
CREATE TABLE enrolment_codes (
    id                {{pk}},
    worker_id         BIGINT NOT NULL REFERENCES workers (id),
    code_hash         TEXT NOT NULL UNIQUE,
    purpose           TEXT NOT NULL,
    rebind_request_id BIGINT REFERENCES rebind_requests (id),
    issued_by         BIGINT NOT NULL,
    issued_at         {{time}} NOT NULL,
    expires_at        {{time}} NOT NULL,
    used_at           {{time}},
    withdrawn_at      {{time}}
);
CREATE INDEX enrolment_codes_worker ON enrolment_codes (worker_id);

-- Check-ins and check-outs. day is the local date the record counts for;
-- one of each kind per worker and day, and an idempotency key is used once
-- per device, so a retried or replayed request never counts twice.
CREATE TABLE attendance (
    id              {{pk}},
    worker_id       BIGINT NOT NULL REFERENCES workers (id),
    device_id       BIGINT NOT NULL REFERENCES worker_devices (id),
    kind            TEXT NOT NULL,
    at              {{time}} NOT NULL,
    day             TEXT NOT NULL,
    lng             DOUBLE PRECISION NOT NULL,
    lat             DOUBLE PRECISION NOT NULL,
    crs             TEXT NOT NULL,
    accuracy_m      DOUBLE PRECISION,
    located_grid    TEXT NOT NULL DEFAULT '',
    grid_code       TEXT NOT NULL,
    inside          BOOLEAN NOT NULL,
    distance_m      DOUBLE PRECISION NOT NULL DEFAULT 0,
    off_schedule    BOOLEAN NOT NULL DEFAULT FALSE,
    idempotency_key TEXT NOT NULL,
    region_path     {{path}} NOT NULL,
    created_at      {{time}} NOT NULL,
    UNIQUE (device_id, idempotency_key),
    UNIQUE (worker_id, day, kind)
);
CREATE INDEX attendance_region_day ON attendance (region_path, day);

CREATE TABLE worker_leave (
    id           {{pk}},
    worker_id    BIGINT NOT NULL REFERENCES workers (id),
    region_path  {{path}} NOT NULL,
    kind         TEXT NOT NULL,
    from_date    TEXT NOT NULL,
    to_date      TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    created_by   BIGINT NOT NULL,
    created_at   {{time}} NOT NULL,
    cancelled_at {{time}}
);
CREATE INDEX worker_leave_worker ON worker_leave (worker_id, from_date);

-- +goose Down
DROP TABLE worker_leave;
DROP TABLE attendance;
DROP TABLE enrolment_codes;
DROP TABLE rebind_requests;
DROP TABLE worker_devices;
DROP TABLE team_members;
DROP TABLE worker_grids;
DROP TABLE workers;
