-- +goose Up
-- Categories whose events concern a person rather than a place are marked
-- private: public views show their category, status and dates only. The
-- seed's person-centred categories start private, as they were treated
-- before the flag existed.
ALTER TABLE categories ADD COLUMN private BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE categories SET private = TRUE WHERE code IN ('dispute', 'public_order', 'livelihood.elderly_care',
    'livelihood.social_assistance', 'livelihood.disability', 'livelihood.healthcare');

-- +goose Down
ALTER TABLE categories DROP COLUMN private;
