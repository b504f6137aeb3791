package auth

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestVerifiedCacheOneBcryptAtATime: logins with one password that arrive
// together run bcrypt once and share its answer, right or wrong; a
// confirmed password is then answered from the cache, and a changed hash
// is checked again.
func TestVerifiedCacheOneBcryptAtATime(t *testing.T) {
	var calls atomic.Int32
	real := compareHash
	compareHash = func(hash, pw string) bool {
		calls.Add(1)
		time.Sleep(50 * time.Millisecond) // a bcrypt's worth: the others arrive meanwhile
		return real(hash, pw)
	}
	t.Cleanup(func() { compareHash = real })
	hash, err := HashPassword("secret1")
	if err != nil {
		t.Fatal(err)
	}
	var c verifiedCache
	together := func(pw string) []bool {
		out := make([]bool, 16)
		var wg sync.WaitGroup
		for i := range out {
			wg.Go(func() { out[i] = c.check(hash, pw) })
		}
		wg.Wait()
		return out
	}
	for _, ok := range together("wrong1") {
		if ok {
			t.Fatal("a wrong password was accepted")
		}
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("16 logins with one wrong password ran bcrypt %d times, want 1", n)
	}
	for _, ok := range together("secret1") {
		if !ok {
			t.Fatal("the right password was refused")
		}
	}
	if n := calls.Load(); n != 2 {
		t.Fatalf("16 logins with the right password ran bcrypt %d times in all, want 2", n)
	}
	if !c.check(hash, "secret1") || calls.Load() != 2 {
		t.Fatalf("a confirmed password was not answered from the cache (%d bcrypt runs)", calls.Load())
	}
	other, err := HashPassword("secret1")
	if err != nil {
		t.Fatal(err)
	}
	if !c.check(other, "secret1") || calls.Load() != 3 {
		t.Fatalf("a new hash of the same password was not checked again (%d bcrypt runs)", calls.Load())
	}
}
