-- +goose Up
-- Blind indexes keep the first 128 bits of their HMAC (secret.IndexBytes),
-- 32 hex digits instead of 64. A stored index becomes its own first 32
-- digits, which is exactly what the keyring now computes for the same value,
-- so every lookup still finds it; sealed values are bound to the first 16
-- digits only and open as before. The one exception is a resident's sign-in
-- code still pending: its hash was made from the long phone index and can no
-- longer match, so it is expired rather than refused as wrong.
UPDATE persons SET id_number_index = substr(id_number_index, 1, 32), phone_index = substr(phone_index, 1, 32)
    WHERE length(id_number_index) > 32 OR length(phone_index) > 32;
UPDATE resident_accounts SET phone_index = substr(phone_index, 1, 32) WHERE length(phone_index) > 32;
UPDATE resident_codes SET phone_index = substr(phone_index, 1, 32), expires_at = sent_at WHERE length(phone_index) > 32;
UPDATE enrolment_codes SET code_hash = substr(code_hash, 1, 32) WHERE length(code_hash) > 32;

-- +goose Down
-- The digits cut cannot be computed again without the values themselves;
-- an older build finds none of the shortened indexes, and needs the data
-- re-imported (or restored from a backup taken before the upgrade).
SELECT 1;
