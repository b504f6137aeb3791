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
//
// Checks of one pair that arrive while bcrypt runs for it wait for that
// answer instead of running bcrypt again: a sink opening its pool of
// connections to a receiver that just restarted logs in on all of them at
// once, and each bcrypt costs tens of milliseconds of CPU.
type verifiedCache struct {
	mu       sync.Mutex
	m        map[[sha256.Size]byte]struct{}
	inflight map[[sha256.Size]byte]*verification
}

// verification is one bcrypt check under way; ok is set before done closes.
type verification struct {
	done chan struct{}
	ok   bool
}

// compareHash is CheckPassword; tests count its calls.
var compareHash = CheckPassword

func verifiedKey(hash, pw string) [sha256.Size]byte {
	return sha256.Sum256([]byte(hash + "\x00" + pw))
}

// check reports whether pw is the password hash was made from, from the
// cache when it can, running bcrypt at most once at a time per pair.
func (c *verifiedCache) check(hash, pw string) bool {
	k := verifiedKey(hash, pw)
	c.mu.Lock()
	if _, ok := c.m[k]; ok {
		c.mu.Unlock()
		return true
	}
	if v := c.inflight[k]; v != nil {
		c.mu.Unlock()
		<-v.done
		return v.ok
	}
	v := &verification{done: make(chan struct{})}
	if c.inflight == nil {
		c.inflight = make(map[[sha256.Size]byte]*verification)
	}
	c.inflight[k] = v
	c.mu.Unlock()

	// Whatever happens in bcrypt, the waiters are released.
	defer func() {
		c.mu.Lock()
		delete(c.inflight, k)
		if v.ok {
			if c.m == nil || len(c.m) >= maxVerified {
				c.m = make(map[[sha256.Size]byte]struct{})
			}
			c.m[k] = struct{}{}
		}
		c.mu.Unlock()
		close(v.done)
	}()
	v.ok = compareHash(hash, pw) // outside the lock: bcrypt is slow
	return v.ok
}
