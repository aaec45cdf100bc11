// Package secret seals small values (TOTP secrets now, personal numbers later)
// with AES-256-GCM under a keyring whose newest key seals and whose every key
// opens, so keys can be rotated without rewriting everything at once.
package secret

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the length of an AES-256 key.
const KeySize = 32

const formatV1 = 1

// Keyring holds the data keys and the blind-index key.
type Keyring struct {
	current string
	aeads   map[string]cipher.AEAD
	// index keys the HMAC blind index. It is separate from the data keys so
	// that rotating those does not change any index value.
	index []byte
}

// Key is one named data key.
type Key struct {
	ID    string
	Bytes []byte
}

// NewKeyring builds a keyring; the last key seals.
func NewKeyring(keys ...Key) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("keyring: no keys")
	}
	k := &Keyring{aeads: map[string]cipher.AEAD{}}
	for _, key := range keys {
		if key.ID == "" || len(key.ID) > 32 || strings.ContainsAny(key.ID, ": \n") {
			return nil, fmt.Errorf("keyring: bad key id %q", key.ID)
		}
		if len(key.Bytes) != KeySize {
			return nil, fmt.Errorf("keyring: key %s is %d bytes, want %d", key.ID, len(key.Bytes), KeySize)
		}
		block, err := aes.NewCipher(key.Bytes)
		if err != nil {
			return nil, fmt.Errorf("keyring: key %s: %w", key.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("keyring: key %s: %w", key.ID, err)
		}
		k.aeads[key.ID] = aead
		k.current = key.ID
		if k.index == nil {
			// Until SetIndexKey is called, the index key is derived from the
			// first data key, which is enough for tests and keeps old indexes
			// valid when later keys are appended.
			m := hmac.New(sha256.New, key.Bytes)
			m.Write([]byte("gridgov blind index v1"))
			k.index = m.Sum(nil)
		}
	}
	return k, nil
}

// SetIndexKey sets the blind-index key.
func (k *Keyring) SetIndexKey(b []byte) error {
	if len(b) < KeySize {
		return fmt.Errorf("keyring: index key is %d bytes, want at least %d", len(b), KeySize)
	}
	k.index = append([]byte(nil), b...)
	return nil
}

// IndexBytes is how much of the HMAC a blind index keeps: 128 bits, far
// beyond any chance of two of a city's millions of numbers colliding, and
// half the size of the whole HMAC-SHA256 in every row and index that holds
// one (a bulk load of persons writes two per row, and the unique one in
// random order).
const IndexBytes = 16

// Index returns the blind index of a value for exact-match lookups: the
// first IndexBytes of an HMAC, in hex, that reveal nothing about the value
// without the key. purpose separates indexes of different fields, so equal
// values in two fields do not match. An index made before it was shortened
// begins with the one made now (migration 28 cut the stored ones).
func (k *Keyring) Index(purpose, value string) string {
	m := hmac.New(sha256.New, k.index)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil)[:IndexBytes])
}

// CurrentKeyID names the key that seals new values.
func (k *Keyring) CurrentKeyID() string { return k.current }

// SealedWith names the key a sealed value was sealed with.
func SealedWith(sealed []byte) string {
	if len(sealed) < 2 || sealed[0] != formatV1 || len(sealed) < 2+int(sealed[1]) {
		return ""
	}
	return string(sealed[2 : 2+int(sealed[1])])
}

// Seal encrypts plaintext; context binds the ciphertext to its use (for
// example "user:42:totp") so it cannot be moved to another row.
func (k *Keyring) Seal(plaintext []byte, context string) []byte {
	aead := k.aeads[k.current]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic("secret: no randomness: " + err.Error())
	}
	out := make([]byte, 0, 2+len(k.current)+len(nonce)+len(plaintext)+aead.Overhead())
	out = append(out, formatV1, byte(len(k.current)))
	out = append(out, k.current...)
	out = append(out, nonce...)
	return aead.Seal(out, nonce, plaintext, []byte(context))
}

// Open decrypts what Seal produced with the same context.
func (k *Keyring) Open(sealed []byte, context string) ([]byte, error) {
	if len(sealed) < 2 || sealed[0] != formatV1 {
		return nil, errors.New("secret: unknown format")
	}
	idLen := int(sealed[1])
	if len(sealed) < 2+idLen {
		return nil, errors.New("secret: truncated")
	}
	id := string(sealed[2 : 2+idLen])
	aead, ok := k.aeads[id]
	if !ok {
		return nil, fmt.Errorf("secret: key %q is not in the keyring", id)
	}
	rest := sealed[2+idLen:]
	if len(rest) < aead.NonceSize() {
		return nil, errors.New("secret: truncated")
	}
	pt, err := aead.Open(nil, rest[:aead.NonceSize()], rest[aead.NonceSize():], []byte(context))
	if err != nil {
		return nil, errors.New("secret: cannot decrypt (wrong key or altered data)")
	}
	return pt, nil
}

// ParseKeys reads "id:base64key" lines (blank lines and # comments ignored).
func ParseKeys(text []byte) ([]Key, error) {
	var keys []Key
	sc := bufio.NewScanner(bytes.NewReader(text))
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, b64, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("line %d: want id:base64key", n)
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, fmt.Errorf("line %d: key is not base64", n)
		}
		keys = append(keys, Key{ID: id, Bytes: raw})
	}
	return keys, sc.Err()
}

// LoadOrCreate returns the keyring from envKey ("id:base64key" lines or a bare
// base64 key) when set, otherwise from the key file in dir, creating the file
// with a fresh random key on first use.
func LoadOrCreate(envKey, dir string) (*Keyring, error) {
	if envKey != "" {
		if !strings.Contains(envKey, ":") {
			envKey = "env:" + envKey
		}
		keys, err := ParseKeys([]byte(envKey))
		if err != nil {
			return nil, fmt.Errorf("GRIDGOV_DATA_KEY: %w", err)
		}
		return NewKeyring(keys...)
	}
	path := filepath.Join(dir, "keys", "data.key")
	text, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		text, err = createKeyFile(path, "k1")
	}
	if err != nil {
		return nil, fmt.Errorf("data key: %w", err)
	}
	keys, err := ParseKeys(text)
	if err != nil {
		return nil, fmt.Errorf("data key %s: %w", path, err)
	}
	ring, err := NewKeyring(keys...)
	if err != nil {
		return nil, err
	}
	indexPath := filepath.Join(dir, "keys", "index.key")
	text, err = os.ReadFile(indexPath)
	if errors.Is(err, os.ErrNotExist) {
		text, err = createKeyFile(indexPath, "index")
	}
	if err != nil {
		return nil, fmt.Errorf("index key: %w", err)
	}
	idx, err := ParseKeys(text)
	if err != nil || len(idx) == 0 {
		return nil, fmt.Errorf("index key %s: malformed", indexPath)
	}
	if err := ring.SetIndexKey(idx[len(idx)-1].Bytes); err != nil {
		return nil, err
	}
	return ring, nil
}

// RotateKeyFile appends a new random data key to the key file in dir and
// returns its id; values sealed from then on use it, and every older key
// still opens what it sealed.
func RotateKeyFile(dir string) (string, error) {
	path := filepath.Join(dir, "keys", "data.key")
	text, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("rotate: %w", err)
	}
	keys, err := ParseKeys(text)
	if err != nil {
		return "", fmt.Errorf("rotate: %s: %w", path, err)
	}
	id := fmt.Sprintf("k%d", len(keys)+1)
	for taken := true; taken; {
		taken = false
		for _, k := range keys {
			if k.ID == id {
				id += "b"
				taken = true
			}
		}
	}
	raw := make([]byte, KeySize)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return "", fmt.Errorf("rotate: %w", err)
	}
	if _, err := fmt.Fprintf(f, "%s:%s\n", id, base64.StdEncoding.EncodeToString(raw)); err != nil {
		f.Close()
		return "", fmt.Errorf("rotate: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", err
	}
	return id, f.Close()
}

func createKeyFile(path, id string) ([]byte, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	raw := make([]byte, KeySize)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	text := []byte("# gridgov keys: the last line is used; keep every line. Back this file up.\n" + id + ":" +
		base64.StdEncoding.EncodeToString(raw) + "\n")
	// O_EXCL: when two processes start at once, one writes and the other reads.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(text); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	return text, f.Close()
}
