-- +goose Up
-- Patrols (巡查) and visits (走访) of grid workers. A patrol's GPS track is
-- sensitive personal information (PIPL art. 28): its points are sealed with
-- the data keyring, one sealed blob per uploaded batch, and deleted after the
-- retention period while the patrol's summary stays for the measures.
CREATE TABLE patrols (
    id              {{pk}},
    worker_id       BIGINT NOT NULL REFERENCES workers (id),
    device_id       BIGINT NOT NULL REFERENCES worker_devices (id),
    grid_code       TEXT NOT NULL REFERENCES regions (code),
    region_path     {{path}} NOT NULL,
    start_key       TEXT NOT NULL,
    started_at      {{time}} NOT NULL,
    finished_at     {{time}},
    -- Running totals, kept with every accepted batch.
    batches         INTEGER NOT NULL DEFAULT 0,
    points          INTEGER NOT NULL DEFAULT 0,
    distance_m      DOUBLE PRECISION NOT NULL DEFAULT 0,
    last_lng        DOUBLE PRECISION,
    last_lat        DOUBLE PRECISION,
    last_at         {{time}},
    -- Computed when the patrol is finished; NULL when the grid has no boundary.
    coverage        DOUBLE PRECISION,
    covered_cells   INTEGER NOT NULL DEFAULT 0,
    grid_cells      INTEGER NOT NULL DEFAULT 0,
    cell_m          DOUBLE PRECISION NOT NULL DEFAULT 0,
    track_purged_at {{time}},
    UNIQUE (device_id, start_key)
);
-- One open patrol per worker.
CREATE UNIQUE INDEX patrols_one_open ON patrols (worker_id) WHERE finished_at IS NULL;
CREATE INDEX patrols_region ON patrols (region_path, started_at);
CREATE INDEX patrols_worker ON patrols (worker_id, started_at);
CREATE INDEX patrols_started ON patrols (started_at);

-- A batch of points as uploaded: seq counts from 1 without gaps; content is
-- the SHA-256 of the points, so a resent batch is recognised.
CREATE TABLE patrol_batches (
    patrol_id       BIGINT NOT NULL REFERENCES patrols (id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    idempotency_key TEXT NOT NULL,
    content         TEXT NOT NULL,
    n               INTEGER NOT NULL,
    points          {{bytes}} NOT NULL,
    created_at      {{time}} NOT NULL,
    PRIMARY KEY (patrol_id, seq),
    UNIQUE (patrol_id, idempotency_key)
);

CREATE TABLE visits (
    id              {{pk}},
    worker_id       BIGINT NOT NULL REFERENCES workers (id),
    device_id       BIGINT NOT NULL REFERENCES worker_devices (id),
    house_id        BIGINT NOT NULL REFERENCES houses (id),
    house_code      TEXT NOT NULL,
    grid_code       TEXT NOT NULL REFERENCES regions (code),
    region_path     {{path}} NOT NULL,
    purpose         TEXT NOT NULL,
    notes           TEXT NOT NULL DEFAULT '',
    -- Photo references (attachment ids) separated by spaces.
    photos          TEXT NOT NULL DEFAULT '',
    lng             DOUBLE PRECISION,
    lat             DOUBLE PRECISION,
    at              {{time}} NOT NULL,
    month           TEXT NOT NULL,
    event_id        BIGINT,
    idempotency_key TEXT NOT NULL,
    created_at      {{time}} NOT NULL,
    UNIQUE (device_id, idempotency_key)
);
CREATE INDEX visits_region ON visits (region_path, month);
CREATE INDEX visits_worker ON visits (worker_id, at);
CREATE INDEX visits_grid ON visits (grid_code, at);

CREATE TABLE visit_persons (
    visit_id  BIGINT NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    person_id BIGINT NOT NULL REFERENCES persons (id),
    PRIMARY KEY (visit_id, person_id)
);
CREATE INDEX visit_persons_person ON visit_persons (person_id);

-- Errands done on a resident's behalf (代办).
CREATE TABLE proxy_services (
    id            {{pk}},
    visit_id      BIGINT NOT NULL REFERENCES visits (id) ON DELETE CASCADE,
    worker_id     BIGINT NOT NULL REFERENCES workers (id),
    region_path   {{path}} NOT NULL,
    kind          TEXT NOT NULL,
    for_person_id BIGINT REFERENCES persons (id),
    for_name      TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL,
    month         TEXT NOT NULL,
    created_at    {{time}} NOT NULL
);
CREATE INDEX proxy_services_region ON proxy_services (region_path, month);
CREATE INDEX proxy_services_visit ON proxy_services (visit_id);

-- +goose Down
DROP TABLE proxy_services;
DROP TABLE visit_persons;
DROP TABLE visits;
DROP TABLE patrol_batches;
DROP TABLE patrols;
