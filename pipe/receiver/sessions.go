package receiver

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"
)

// Defaults of the token table.
const (
	// TokenIdleTimeout is how long a token stays valid without use.
	TokenIdleTimeout = time.Hour
	// MaxTokens bounds the token table; the least recently used token is
	// dropped to make room.
	MaxTokens = 10000
)

// peer is what a token stands for: a sender that handshook, on one
// connection, with the password whose stamp is credential.
type peer struct {
	user       string
	cluster    string
	conn       uint64
	credential string
	lastUsed   time.Time
}

// sessions maps tokens to peers.
type sessions struct {
	idle time.Duration
	max  int
	now  func() time.Time

	mu      sync.Mutex
	byToken map[string]*peer
}

func newSessions(idle time.Duration, max int, now func() time.Time) *sessions {
	return &sessions{idle: idle, max: max, now: now, byToken: make(map[string]*peer)}
}

// add registers a peer and returns its new token.
func (s *sessions) add(p peer) string {
	var raw [16]byte
	_, _ = rand.Read(raw[:]) // never fails; see crypto/rand.Read
	token := hex.EncodeToString(raw[:])
	now := s.now()

	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.byToken) >= s.max {
		s.evictLocked(now)
	}
	p.lastUsed = now
	s.byToken[token] = &p
	return token
}

// get returns the peer of token and marks it used, or false when the
// token is unknown or expired.
func (s *sessions) get(token string) (peer, bool) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.byToken[token]
	if p == nil {
		return peer{}, false
	}
	if now.Sub(p.lastUsed) >= s.idle {
		delete(s.byToken, token)
		return peer{}, false
	}
	p.lastUsed = now
	return *p, true
}

// ofConn returns the most recently used live token of connection conn and
// its peer, marking it used, or false when the connection holds none.
func (s *sessions) ofConn(conn uint64) (string, peer, bool) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var token string
	var best *peer
	for tok, p := range s.byToken {
		if p.conn == conn && now.Sub(p.lastUsed) < s.idle && (best == nil || p.lastUsed.After(best.lastUsed)) {
			token, best = tok, p
		}
	}
	if best == nil {
		return "", peer{}, false
	}
	best.lastUsed = now
	return token, *best, true
}

// dropConn forgets every token handed out on connection conn.
func (s *sessions) dropConn(conn uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for tok, p := range s.byToken {
		if p.conn == conn {
			delete(s.byToken, tok)
		}
	}
}

// hasConn reports whether connection conn holds a live token. It scans the
// table, which holds a few tokens per live pipe connection.
func (s *sessions) hasConn(conn uint64) bool {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.byToken {
		if p.conn == conn && now.Sub(p.lastUsed) < s.idle {
			return true
		}
	}
	return false
}

// drop forgets token.
func (s *sessions) drop(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byToken, token)
}

// evictLocked drops expired tokens and, if that frees nothing, the least
// recently used one. It runs only when the table is full, which takes far
// more handshakes than live pipes make, so a scan is cheap enough.
func (s *sessions) evictLocked(now time.Time) {
	var oldest string
	var oldestAt time.Time
	for tok, p := range s.byToken {
		if now.Sub(p.lastUsed) >= s.idle {
			delete(s.byToken, tok)
			continue
		}
		if oldest == "" || p.lastUsed.Before(oldestAt) {
			oldest, oldestAt = tok, p.lastUsed
		}
	}
	if len(s.byToken) >= s.max {
		delete(s.byToken, oldest)
	}
}

// len is the number of tokens held.
func (s *sessions) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byToken)
}
