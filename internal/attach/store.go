package attach

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
)

// Store keeps blobs under the hex SHA-256 of their content. It is the whole
// storage contract of this package, so that a second implementation (an
// S3-compatible bucket) is four methods.
//
// Content addressing makes Put idempotent: storing the same bytes twice
// keeps one copy and returns the same key, and two concurrent Puts of the
// same bytes are both correct. Because one blob may then back several
// attachments, Delete must only be called for a key that no database row
// refers to any more: a periodic mark-and-sweep over the keys, not a delete
// per attachment, and one that spares blobs younger than a day, since an
// upload in flight has stored its blobs before its row is committed.
//
// # An S3-compatible store
//
// An S3 (MinIO, Ceph RGW, OSS, COS, OBS) implementation keeps the same
// contract:
//
//   - Put streams the body to a temporary object name (or a multipart
//     upload) while hashing it, because the key is not known before the last
//     byte; it then copies the object to "ab/cd/<sha256>" with
//     CopyObject (or, simpler for small blobs, buffers to a temp file and
//     uploads with the key and an x-amz-checksum-sha256 header so that the
//     server verifies the hash) and deletes the temporary name. A HEAD on
//     the final key first turns a repeated Put into a no-op; a concurrent
//     repeat writes identical bytes, which S3's last-writer-wins makes
//     harmless.
//   - Open returns a reader built on ranged GETs (Seek sets the Range of the
//     next GET), so http.ServeContent can answer Range requests; Info comes
//     from the HEAD.
//   - Delete is DeleteObject, which is already idempotent.
//   - Exists is HeadObject, with 404 mapped to false.
//   - Keys are checked with ValidKey before they reach the bucket, as here.
type Store interface {
	// Put stores everything r yields and returns its key.
	Put(ctx context.Context, r io.Reader) (Blob, error)
	// Open returns the blob's content; a missing key is an apperr.NotFound.
	Open(ctx context.Context, key string) (io.ReadSeekCloser, Info, error)
	// Delete removes the blob; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// Exists reports whether the blob is stored.
	Exists(ctx context.Context, key string) (bool, error)
}

// Blob is what Put stored.
type Blob struct {
	// Key is the lower-case hex SHA-256 of the content.
	Key  string
	Size int64
	// Created is false when the same content was stored already.
	Created bool
}

// Info describes a stored blob.
type Info struct {
	Key     string
	Size    int64
	ModTime time.Time
}

// KeyLen is the length of a key: a hex SHA-256.
const KeyLen = 64

// ValidKey reports whether key is a well-formed key: exactly 64 lower-case
// hex digits. Nothing else can name a blob, so no key can climb out of the
// store's directory or bucket prefix.
func ValidKey(key string) bool {
	if len(key) != KeyLen {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func checkKey(key string) error {
	if !ValidKey(key) {
		return apperr.Field("key", "is not an attachment key")
	}
	return nil
}

// keyPath is the blob's path below the store root: "ab/cd/abcd…". The two
// fan-out levels keep directories small (65,536 of them, each holding a
// few dozen blobs per million).
func keyPath(key string) string {
	return fmt.Sprintf("%s/%s/%s", key[0:2], key[2:4], key)
}
