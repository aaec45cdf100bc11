package attach

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
)

// blobFiles lists the files below the store root outside tmp/.
func blobFiles(t *testing.T, s *DiskStore) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(s.Dir(), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p == filepath.Join(s.Dir(), "tmp") {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(s.Dir(), p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func tmpFiles(t *testing.T, s *DiskStore) int {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(s.Dir(), "tmp"))
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

func TestDiskStoreContentAddressed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := NewDiskStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	content := []byte("a photo of a pothole")
	first, err := s.Put(ctx, bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	if first.Key != sha(content) || first.Size != int64(len(content)) || !first.Created {
		t.Fatalf("first Put = %+v, want key %s, size %d, created", first, sha(content), len(content))
	}
	second, err := s.Put(ctx, bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	if second.Key != first.Key || second.Created {
		t.Fatalf("second Put = %+v, want the same key, not created", second)
	}
	want := first.Key[:2] + "/" + first.Key[2:4] + "/" + first.Key
	if files := blobFiles(t, s); len(files) != 1 || files[0] != want {
		t.Fatalf("files = %v, want only %s", files, want)
	}
	if n := tmpFiles(t, s); n != 0 {
		t.Fatalf("%d files left in tmp", n)
	}

	if ok, err := s.Exists(ctx, first.Key); err != nil || !ok {
		t.Fatalf("Exists = %v, %v; want true", ok, err)
	}
	rc, info, err := s.Open(ctx, first.Key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rc.Seek(2, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, content[2:]) || info.Size != int64(len(content)) || info.Key != first.Key {
		t.Fatalf("Open read %q, info %+v", got, info)
	}

	if err := s.Delete(ctx, first.Key); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, first.Key); err != nil {
		t.Fatalf("second Delete: %v, want nil", err)
	}
	if ok, err := s.Exists(ctx, first.Key); err != nil || ok {
		t.Fatalf("Exists after Delete = %v, %v", ok, err)
	}
	if _, _, err := s.Open(ctx, first.Key); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("Open after Delete: %v, want not found", err)
	}
}

func TestDiskStoreEmptyBlob(t *testing.T) {
	t.Parallel()
	s, err := NewDiskStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Put(context.Background(), strings.NewReader(""))
	if err != nil || b.Key != sha(nil) || b.Size != 0 {
		t.Fatalf("Put empty = %+v, %v", b, err)
	}
}

func TestDiskStoreConcurrentPuts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := NewDiskStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	content := bytes.Repeat([]byte("grid 230602001003 "), 64<<10) // ~1 MiB
	const n = 16
	var wg sync.WaitGroup
	blobs := make([]Blob, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { blobs[i], errs[i] = s.Put(ctx, bytes.NewReader(content)) })
	}
	wg.Wait()
	created := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Put %d: %v", i, errs[i])
		}
		if blobs[i].Key != sha(content) || blobs[i].Size != int64(len(content)) {
			t.Fatalf("Put %d = %+v", i, blobs[i])
		}
		if blobs[i].Created {
			created++
		}
	}
	if created < 1 {
		t.Fatal("no Put reports having created the blob")
	}
	if files := blobFiles(t, s); len(files) != 1 {
		t.Fatalf("files = %v, want one", files)
	}
	if n := tmpFiles(t, s); n != 0 {
		t.Fatalf("%d files left in tmp", n)
	}
	if got := readBlob(t, s, sha(content)); !bytes.Equal(got, content) {
		t.Fatal("stored content differs")
	}
}

func TestDiskStoreRefusesBadKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	s, err := NewDiskStore(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	// A file outside the store that a traversal would reach.
	if err := os.WriteFile(filepath.Join(dir, "secret"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	valid := sha([]byte("x"))
	for _, key := range []string{
		"",
		"../secret",
		"../../etc/passwd",
		"/etc/passwd",
		"ab/cd/" + valid,
		valid[:2] + "/../../secret",
		strings.ToUpper(valid),
		valid[:63],
		valid + "0",
		valid[:62] + "..",
		valid[:63] + "\x00",
		"tmp",
		"..",
		`..\..\secret`,
	} {
		if _, _, err := s.Open(ctx, key); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("Open(%q): %v, want invalid", key, err)
		}
		if err := s.Delete(ctx, key); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("Delete(%q): %v, want invalid", key, err)
		}
		if _, err := s.Exists(ctx, key); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("Exists(%q): %v, want invalid", key, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "secret")); err != nil {
		t.Fatalf("the file outside the store is gone: %v", err)
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("connection reset")
	}
	k := min(len(p), f.n)
	f.n -= k
	return k, nil
}

func TestDiskStorePutFailureLeavesNothing(t *testing.T) {
	t.Parallel()
	s, err := NewDiskStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(context.Background(), &failingReader{n: 100_000}); err == nil {
		t.Fatal("Put of a failing reader succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Put(ctx, strings.NewReader("abc")); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put with a cancelled context: %v", err)
	}
	if files := blobFiles(t, s); len(files) != 0 {
		t.Fatalf("files = %v, want none", files)
	}
	if n := tmpFiles(t, s); n != 0 {
		t.Fatalf("%d files left in tmp", n)
	}
}

func TestNewDiskStoreRemovesStaleUploads(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := NewDiskStore(dir); err != nil {
		t.Fatal(err)
	}
	stale, fresh := filepath.Join(dir, "tmp", "put-stale"), filepath.Join(dir, "tmp", "put-fresh")
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("half"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * staleTemp)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	if _, err := NewDiskStore(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale upload still there: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("fresh upload removed: %v", err)
	}
}
