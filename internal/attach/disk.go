package attach

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
)

// DiskStore keeps blobs as files under a root directory: root/ab/cd/<key>.
// Uploads are written to root/tmp first, so that a file under a key is
// always complete: it appears there by an atomic rename after fsync.
type DiskStore struct {
	root string
	tmp  string
}

var _ Store = (*DiskStore)(nil)

// staleTemp is how old a leftover upload file (from a crash) must be before
// NewDiskStore removes it; no live Put takes that long.
const staleTemp = 24 * time.Hour

// NewDiskStore opens (creating if needed) a store rooted at dir and removes
// upload files that a crash left behind.
func NewDiskStore(dir string) (*DiskStore, error) {
	if dir == "" {
		return nil, errors.New("attach: disk store: no directory")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("attach: disk store %s: %w", dir, err)
	}
	s := &DiskStore{root: abs, tmp: filepath.Join(abs, "tmp")}
	if err := os.MkdirAll(s.tmp, 0o750); err != nil {
		return nil, fmt.Errorf("attach: disk store: %w", err)
	}
	entries, err := os.ReadDir(s.tmp)
	if err != nil {
		return nil, fmt.Errorf("attach: disk store: %w", err)
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > staleTemp {
			_ = os.Remove(filepath.Join(s.tmp, e.Name()))
		}
	}
	return s, nil
}

// Dir returns the store's root directory.
func (s *DiskStore) Dir() string { return s.root }

func (s *DiskStore) path(key string) string {
	return filepath.Join(s.root, filepath.FromSlash(keyPath(key)))
}

// Put writes r to a temporary file while hashing it, fsyncs it and renames
// it to its key. When the key exists already the temporary file is dropped,
// so the same content is kept once; two concurrent Puts of the same content
// each rename a complete, identical file, and whichever lands last wins
// harmlessly.
func (s *DiskStore) Put(ctx context.Context, r io.Reader) (blob Blob, err error) {
	f, err := os.CreateTemp(s.tmp, "put-*")
	if err != nil {
		return Blob{}, fmt.Errorf("attach: put: %w", err)
	}
	tmpName := f.Name()
	defer func() {
		if f != nil {
			_ = f.Close()
		}
		if err != nil {
			_ = os.Remove(tmpName)
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), ctxReader{ctx, r})
	if err != nil {
		return Blob{}, fmt.Errorf("attach: put: write: %w", err)
	}
	if err := f.Sync(); err != nil {
		return Blob{}, fmt.Errorf("attach: put: sync: %w", err)
	}
	if err := f.Close(); err != nil {
		f = nil
		return Blob{}, fmt.Errorf("attach: put: close: %w", err)
	}
	f = nil
	key := hex.EncodeToString(h.Sum(nil))
	final := s.path(key)

	if st, err := os.Stat(final); err == nil && st.Mode().IsRegular() && st.Size() == n {
		_ = os.Remove(tmpName)
		return Blob{Key: key, Size: n}, nil
	}
	dir := filepath.Dir(final)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return Blob{}, fmt.Errorf("attach: put %s: %w", key, err)
	}
	if err := os.Rename(tmpName, final); err != nil {
		return Blob{}, fmt.Errorf("attach: put %s: %w", key, err)
	}
	// The rename is durable only once the directories holding the new
	// entry are synced too.
	for _, d := range []string{dir, filepath.Dir(dir), s.root} {
		if err := syncDir(d); err != nil {
			return Blob{}, fmt.Errorf("attach: put %s: %w", key, err)
		}
	}
	return Blob{Key: key, Size: n, Created: true}, nil
}

// Open opens the blob for reading; *os.File seeks, so http.ServeContent can
// answer range requests from it.
func (s *DiskStore) Open(ctx context.Context, key string) (io.ReadSeekCloser, Info, error) {
	if err := checkKey(key); err != nil {
		return nil, Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, Info{}, err
	}
	f, err := os.Open(s.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Info{}, apperr.New(apperr.NotFound, "attachment not found")
	}
	if err != nil {
		return nil, Info{}, fmt.Errorf("attach: open %s: %w", key, err)
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, Info{}, fmt.Errorf("attach: open %s: %w", key, err)
	}
	return f, Info{Key: key, Size: st.Size(), ModTime: st.ModTime()}, nil
}

// Delete removes the blob; see Store for when that is safe.
func (s *DiskStore) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.Remove(s.path(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("attach: delete %s: %w", key, err)
	}
	return nil
}

// Exists reports whether the blob is stored.
func (s *DiskStore) Exists(ctx context.Context, key string) (bool, error) {
	if err := checkKey(key); err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	st, err := os.Stat(s.path(key))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("attach: exists %s: %w", key, err)
	}
	return st.Mode().IsRegular(), nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// ctxReader stops a long copy when the request is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
