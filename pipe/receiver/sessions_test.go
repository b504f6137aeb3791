package receiver

import (
	"testing"
	"time"
)

func TestSessionsExpiry(t *testing.T) {
	clock := &fakeClock{now: time.Unix(0, 0)}
	s := newSessions(time.Minute, 10, clock.Now)
	tok := s.add(peer{user: "u", cluster: "c"})
	clock.advance(time.Minute - time.Second)
	if p, ok := s.get(tok); !ok || p.user != "u" || p.cluster != "c" {
		t.Fatalf("get = %+v, %v", p, ok)
	}
	clock.advance(time.Minute - time.Second) // refreshed by the get above
	if _, ok := s.get(tok); !ok {
		t.Fatal("token expired although used within the idle timeout")
	}
	clock.advance(time.Minute)
	if _, ok := s.get(tok); ok {
		t.Fatal("token valid after the idle timeout")
	}
	if s.len() != 0 {
		t.Fatalf("%d tokens kept after expiry", s.len())
	}
}

func TestSessionsBounded(t *testing.T) {
	clock := &fakeClock{now: time.Unix(0, 0)}
	s := newSessions(time.Hour, 3, clock.Now)
	var toks []string
	for range 3 {
		toks = append(toks, s.add(peer{user: "u", cluster: "c"}))
		clock.advance(time.Second)
	}
	s.get(toks[0]) // toks[1] is now the least recently used
	clock.advance(time.Second)
	newest := s.add(peer{user: "u", cluster: "c"})
	if s.len() != 3 {
		t.Fatalf("%d tokens, want at most 3", s.len())
	}
	if _, ok := s.get(toks[1]); ok {
		t.Fatal("least recently used token survived eviction")
	}
	for _, tok := range []string{toks[0], toks[2], newest} {
		if _, ok := s.get(tok); !ok {
			t.Fatalf("token %s evicted", tok)
		}
	}
	// Expired tokens go first, all of them.
	clock.advance(time.Hour)
	s.add(peer{user: "u", cluster: "c"})
	if s.len() != 1 {
		t.Fatalf("%d tokens, want only the new one", s.len())
	}
}
