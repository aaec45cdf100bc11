package workforce

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/groupcommit"
)

// Group commit of the phones' writes on SQLite (internal/groupcommit). In
// the morning wave thousands of phones check in and upload patrol batches
// at once; a transaction each would cap them at the disk's fsync rate on
// SQLite's single writer. The service has no lifetime of its own to run a
// committer in, so it runs on demand: from the first write until the
// queue is empty. PostgreSQL takes concurrent writers and batches their
// WAL flushes itself, so there each write is a transaction of its own, on
// its own connection.
func newCommitter(d *db.DB) *groupcommit.Committer {
	return groupcommit.New(d, groupcommit.Options{Name: "workforce write", OnDemand: d != nil && d.Engine == db.SQLite})
}

// write runs fn in the next group transaction on SQLite, in one of its
// own on PostgreSQL, and returns once it is durable or refused.
func (s *Service) write(ctx context.Context, fn groupcommit.Func) error {
	return s.commits.Write(ctx, fn)
}

// Devices are looked up on every signed request. The lookup is cached for
// deviceTTL and dropped by this process as soon as it unbinds a device or
// deactivates a worker; every write from a device checks again, inside its
// transaction, that the device is still bound to an active worker, so a
// cached entry never lets an unbound phone store anything, and another
// process's unbinding stops reads within deviceTTL.
const deviceTTL = 30 * time.Second

type deviceEntry struct {
	caller DeviceCaller
	key    ed25519.PublicKey
	active bool
	until  time.Time
}

type deviceCache struct {
	mu sync.Mutex
	m  map[string]deviceEntry
}

func (dc *deviceCache) get(device string, now time.Time) (deviceEntry, bool) {
	dc.mu.Lock()
	defer dc.mu.Unlock()
	e, ok := dc.m[device]
	if !ok || now.After(e.until) {
		return deviceEntry{}, false
	}
	return e, true
}

func (dc *deviceCache) put(device string, e deviceEntry) {
	dc.mu.Lock()
	defer dc.mu.Unlock()
	if dc.m == nil {
		dc.m = map[string]deviceEntry{}
	}
	if len(dc.m) > 200000 {
		clear(dc.m) // a bound on memory; entries come back on the next request
	}
	dc.m[device] = e
}

// forgetWorker drops the cached devices of a worker.
func (dc *deviceCache) forgetWorker(workerID int64) {
	dc.mu.Lock()
	defer dc.mu.Unlock()
	for k, e := range dc.m {
		if e.caller.WorkerID == workerID {
			delete(dc.m, k)
		}
	}
}

// stillBound refuses a write from a device that was unbound, or whose
// worker was deactivated, since its request was authenticated.
func stillBound(ctx context.Context, tx *sql.Tx, c DeviceCaller) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM worker_devices d JOIN workers w ON w.id = d.worker_id
		WHERE d.id = $1 AND d.status = 'active' AND w.active`, c.deviceRow).Scan(&n); err != nil {
		return fmt.Errorf("device %s: %w", c.DeviceID, err)
	}
	if n == 0 {
		return refusal("device", fmt.Sprintf("device %s is no longer bound to an active worker", c.DeviceID))
	}
	return nil
}
