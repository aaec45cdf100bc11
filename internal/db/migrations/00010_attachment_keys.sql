-- +goose Up
-- Files are fetched by their content key; a sweep of unreferenced blobs
-- looks them up the same way.
CREATE INDEX event_attachments_blob ON event_attachments (blob_key);
CREATE INDEX event_attachments_public ON event_attachments (public_key);
CREATE INDEX event_attachments_thumb ON event_attachments (thumb_key);

-- +goose Down
DROP INDEX event_attachments_thumb;
DROP INDEX event_attachments_public;
DROP INDEX event_attachments_blob;
