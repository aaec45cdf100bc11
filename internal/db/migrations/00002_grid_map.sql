-- +goose Up
-- Boundaries are WKB MultiPolygons in WGS-84/CGCS2000. The bounding box and
-- area are kept beside them so that lists and maps need not decode geometry.
ALTER TABLE regions ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE regions ADD COLUMN subtype TEXT NOT NULL DEFAULT '';
ALTER TABLE regions ADD COLUMN boundary {{bytes}};
ALTER TABLE regions ADD COLUMN min_lng DOUBLE PRECISION;
ALTER TABLE regions ADD COLUMN min_lat DOUBLE PRECISION;
ALTER TABLE regions ADD COLUMN max_lng DOUBLE PRECISION;
ALTER TABLE regions ADD COLUMN max_lat DOUBLE PRECISION;
ALTER TABLE regions ADD COLUMN area_m2 DOUBLE PRECISION;
UPDATE regions SET kind = 'comprehensive' WHERE level = 5;
CREATE INDEX regions_name ON regions (name);

-- When a boundary is redrawn, the old one is kept with the time it stopped applying.
CREATE TABLE region_boundary_history (
    id         {{pk}},
    code       TEXT NOT NULL REFERENCES regions (code),
    boundary   {{bytes}} NOT NULL,
    valid_from {{time}} NOT NULL,
    valid_to   {{time}} NOT NULL
);
CREATE INDEX region_boundary_history_code ON region_boundary_history (code, valid_to);

-- Overlay networks (警务网格, 调解网格, custom layers) and the grids they serve.
CREATE TABLE overlays (
    layer      TEXT NOT NULL,
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    boundary   {{bytes}} NOT NULL,
    min_lng    DOUBLE PRECISION NOT NULL,
    min_lat    DOUBLE PRECISION NOT NULL,
    max_lng    DOUBLE PRECISION NOT NULL,
    max_lat    DOUBLE PRECISION NOT NULL,
    area_m2    DOUBLE PRECISION NOT NULL,
    created_at {{time}} NOT NULL,
    updated_at {{time}} NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (layer, code)
);

CREATE TABLE overlay_links (
    layer        TEXT NOT NULL,
    overlay_code TEXT NOT NULL,
    grid_code    TEXT NOT NULL REFERENCES regions (code),
    share        DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (layer, overlay_code, grid_code),
    FOREIGN KEY (layer, overlay_code) REFERENCES overlays (layer, code) ON DELETE CASCADE
);
CREATE INDEX overlay_links_grid ON overlay_links (grid_code, layer);

-- 网格驿站: service points, placed in their grid.
CREATE TABLE stations (
    code          TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    address       TEXT NOT NULL DEFAULT '',
    opening_hours TEXT NOT NULL DEFAULT '',
    lng           DOUBLE PRECISION NOT NULL,
    lat           DOUBLE PRECISION NOT NULL,
    grid_code     TEXT NOT NULL REFERENCES regions (code),
    grid_path     {{path}} NOT NULL,
    created_at    {{time}} NOT NULL,
    updated_at    {{time}} NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX stations_grid_path ON stations (grid_path);

-- Bumped by every change of geometry, so each server knows when to rebuild
-- its in-memory spatial index.
CREATE TABLE map_state (
    id      SMALLINT PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO map_state (id, version) VALUES (1, 0);

-- +goose Down
DROP TABLE map_state;
DROP TABLE stations;
DROP TABLE overlay_links;
DROP TABLE overlays;
DROP TABLE region_boundary_history;
DROP INDEX regions_name;
ALTER TABLE regions DROP COLUMN area_m2;
ALTER TABLE regions DROP COLUMN max_lat;
ALTER TABLE regions DROP COLUMN max_lng;
ALTER TABLE regions DROP COLUMN min_lat;
ALTER TABLE regions DROP COLUMN min_lng;
ALTER TABLE regions DROP COLUMN boundary;
ALTER TABLE regions DROP COLUMN subtype;
ALTER TABLE regions DROP COLUMN kind;
