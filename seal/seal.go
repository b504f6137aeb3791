// Package seal encrypts the secrets a cluster must keep, such as pipe sink
// passwords, so that its Raft logs, snapshots and metadata RPCs carry them
// sealed with the cluster key rather than in plaintext.
//
// The cluster key is a random 256-bit key in the certificates directory
// (cluster.key, made by `sluice cert create-ca` and copied to every
// DataNode with ca.crt), kept apart from the data dir that holds what it
// seals. Sealing is AES-256-GCM with a nonce derived from the plaintext
// (HMAC-SHA-256), so that equal secrets seal to equal text: pipes whose sink
// attributes are equal still share one sink. That reveals only which sealed
// values are equal.
package seal

import (
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

// KeyFile is the cluster key's file name in a certificates directory.
const KeyFile = "cluster.key"

// prefix marks a sealed value; anything else is plaintext (written before
// the cluster had a key, or by an insecure cluster).
const prefix = "sealed:v1:"

// Key seals and opens secrets. A nil *Key seals nothing and opens only
// plaintext.
type Key struct {
	aead cipher.AEAD
	mac  []byte
}

// CreateKeyFile writes a new random key into dir unless one is there.
func CreateKeyFile(dir string) error {
	path := filepath.Join(dir, KeyFile)
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(hex.EncodeToString(raw[:])+"\n"), 0o600)
}

// LoadKey reads dir's cluster key; (nil, nil) when there is none.
func LoadKey(dir string) (*Key, error) {
	b, err := os.ReadFile(filepath.Join(dir, KeyFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	raw, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(raw) != 32 {
		return nil, fmt.Errorf("%s: want 64 hexadecimal digits", filepath.Join(dir, KeyFile))
	}
	return newKey(raw)
}

func newKey(raw []byte) (*Key, error) {
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, raw)
	mac.Write([]byte("sluice seal nonce"))
	return &Key{aead: aead, mac: mac.Sum(nil)}, nil
}

// Seal returns plaintext sealed; with a nil Key, plaintext as it is.
func (k *Key) Seal(plaintext string) string {
	if k == nil || IsSealed(plaintext) {
		return plaintext
	}
	m := hmac.New(sha256.New, k.mac)
	m.Write([]byte(plaintext))
	nonce := m.Sum(nil)[:k.aead.NonceSize()]
	out := k.aead.Seal(append([]byte(nil), nonce...), nonce, []byte(plaintext), nil)
	return prefix + base64.RawStdEncoding.EncodeToString(out)
}

// Open returns the plaintext of a sealed value, and plaintext as it is.
func (k *Key) Open(v string) (string, error) {
	if !IsSealed(v) {
		return v, nil
	}
	if k == nil {
		return "", errors.New("the value is sealed with the cluster key, and this node has none: copy cluster.key into its cluster_certs_dir")
	}
	raw, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(v, prefix))
	ns := k.aead.NonceSize()
	if err != nil || len(raw) < ns {
		return "", errors.New("a sealed value is corrupt")
	}
	pt, err := k.aead.Open(nil, raw[:ns], raw[ns:], nil)
	if err != nil {
		return "", errors.New("a sealed value does not open with this node's cluster key: was cluster.key replaced?")
	}
	return string(pt), nil
}

// IsSealed reports whether v is a sealed value.
func IsSealed(v string) bool { return strings.HasPrefix(v, prefix) }
