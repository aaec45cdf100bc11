package secret_test

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"github.com/gridgov/gridgov/internal/secret"
)

func key(id string, b byte) secret.Key { return secret.Key{ID: id, Bytes: bytes.Repeat([]byte{b}, 32)} }

func TestSealOpenAndRotation(t *testing.T) {
	old, _ := secret.NewKeyring(key("k1", 1))
	sealedOld := old.Seal([]byte("JBSWY3DPEHPK3PXP"), "user:1:totp")

	rotated, err := secret.NewKeyring(key("k1", 1), key("k2", 2))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.Open(sealedOld, "user:1:totp"); err != nil || string(got) != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("open with rotated ring = %q, %v", got, err)
	}
	sealedNew := rotated.Seal([]byte("x"), "c")
	if _, err := old.Open(sealedNew, "c"); err == nil {
		t.Fatal("old ring opened a value sealed with the new key")
	}
	if _, err := rotated.Open(sealedOld, "user:2:totp"); err == nil {
		t.Fatal("opened with the wrong context")
	}
	tampered := append([]byte(nil), sealedOld...)
	tampered[len(tampered)-1] ^= 1
	if _, err := rotated.Open(tampered, "user:1:totp"); err == nil {
		t.Fatal("opened altered ciphertext")
	}
	if bytes.Equal(rotated.Seal([]byte("x"), "c"), rotated.Seal([]byte("x"), "c")) {
		t.Fatal("two seals of the same value are equal: nonce reused")
	}
}

func TestLoadOrCreateKeepsOneKeyFile(t *testing.T) {
	dir := t.TempDir()
	a, err := secret.LoadOrCreate("", dir)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, "keys", "data.key"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", info.Mode().Perm())
	}
	b, err := secret.LoadOrCreate("", dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b.Open(a.Seal([]byte("v"), "c"), "c"); err != nil || string(got) != "v" {
		t.Fatalf("second load cannot open the first's value: %v", err)
	}
}

func TestEnvKey(t *testing.T) {
	raw := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	if _, err := secret.LoadOrCreate(raw, t.TempDir()); err != nil {
		t.Fatalf("bare key: %v", err)
	}
	for _, bad := range []string{"short", "k1:" + base64.StdEncoding.EncodeToString([]byte("short")), "k1:!!!"} {
		if _, err := secret.LoadOrCreate(bad, t.TempDir()); err == nil {
			t.Fatalf("accepted bad key %q", bad)
		}
	}
}

func TestBlindIndexAndRotation(t *testing.T) {
	dir := t.TempDir()
	a, err := secret.LoadOrCreate("", dir)
	if err != nil {
		t.Fatal(err)
	}
	idx := a.Index("id_number", "11010519491231002X")
	if idx == a.Index("phone", "11010519491231002X") {
		t.Fatal("the same value indexes equally for two purposes")
	}
	if idx == a.Index("id_number", "11010519491231002x") {
		t.Fatal("different values index equally")
	}
	sealed := a.Seal([]byte("13812345678"), "person:1:phone")
	id, err := secret.RotateKeyFile(dir)
	if err != nil || id != "k2" {
		t.Fatalf("rotate = %q, %v", id, err)
	}
	b, err := secret.LoadOrCreate("", dir)
	if err != nil {
		t.Fatal(err)
	}
	if b.CurrentKeyID() != "k2" || secret.SealedWith(b.Seal([]byte("x"), "c")) != "k2" || secret.SealedWith(sealed) != "k1" {
		t.Fatal("new values are not sealed with the new key")
	}
	if got, err := b.Open(sealed, "person:1:phone"); err != nil || string(got) != "13812345678" {
		t.Fatalf("old value after rotation: %q, %v", got, err)
	}
	if b.Index("id_number", "11010519491231002X") != idx {
		t.Fatal("rotating data keys changed the blind index")
	}
	other, _ := secret.LoadOrCreate("", t.TempDir())
	if other.Index("id_number", "11010519491231002X") == idx {
		t.Fatal("two deployments share a blind index")
	}
}
