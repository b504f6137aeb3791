package auth

import (
	"crypto/sha256"
	"sync"
)

// maxVerified bounds the cache; it is emptied when full.
const maxVerified = 4096

// verifiedCache holds digests of (hash, password) pairs that bcrypt has
// confirmed. Keying on the stored hash means a password change makes the old
// entries unreachable. Only a digest of the password is kept.
type verifiedCache struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]struct{}
}

func verifiedKey(hash, pw string) [sha256.Size]byte {
	return sha256.Sum256([]byte(hash + "\x00" + pw))
}

func (c *verifiedCache) has(hash, pw string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.m[verifiedKey(hash, pw)]
	return ok
}

func (c *verifiedCache) add(hash, pw string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxVerified {
		c.m = make(map[[sha256.Size]byte]struct{})
	}
	c.m[verifiedKey(hash, pw)] = struct{}{}
}
