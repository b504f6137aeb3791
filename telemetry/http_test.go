package telemetry

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// TestHealthAndReady serves a real listener: /health answers ok whatever
// the node's state, /ready follows the ready function, /metrics serves the
// registry.
func TestHealthAndReady(t *testing.T) {
	var reason atomic.Pointer[string]
	ready := func() error {
		if r := reason.Load(); r != nil {
			return errors.New(*r)
		}
		return nil
	}
	starting := "the DataNode is starting: opening the regions placed here"
	reason.Store(&starting)
	s, err := Listen("127.0.0.1:0", NewRegistry(), ready, Options{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	base := "http://" + s.Addr().String()

	if code, body := get(t, base+"/health"); code != 200 || body != "ok\n" {
		t.Errorf("/health = %d %q, want 200 ok", code, body)
	}
	if code, body := get(t, base+"/ready"); code != 503 || body != starting+"\n" {
		t.Errorf("/ready while starting = %d %q, want 503 with the reason", code, body)
	}
	reason.Store(nil)
	if code, body := get(t, base+"/ready"); code != 200 || body != "ready\n" {
		t.Errorf("/ready = %d %q, want 200 ready", code, body)
	}
	if code, body := get(t, base+"/metrics"); code != 200 || !strings.Contains(body, "go_goroutines") {
		t.Errorf("/metrics = %d, without the runtime series", code)
	}
	if code, _ := get(t, base+"/nothing"); code != 404 {
		t.Errorf("/nothing = %d, want 404", code)
	}
}

// A server without a ready function is ready as soon as it serves.
func TestReadyWithoutCheck(t *testing.T) {
	s, err := Listen("127.0.0.1:0", NewRegistry(), nil, Options{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if code, body := get(t, "http://"+s.Addr().String()+"/ready"); code != 200 || body != "ready\n" {
		t.Errorf("/ready = %d %q, want 200 ready", code, body)
	}
}

// The profiles are served only when enable_pprof asks for them, and then
// as Go's tools read them: a heap profile in the binary format, the
// goroutine dump as text.
func TestPprof(t *testing.T) {
	for _, on := range []bool{true, false} {
		s, err := Listen("127.0.0.1:0", NewRegistry(), nil, Options{Pprof: on}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		base := "http://" + s.Addr().String()
		code, body := get(t, base+"/debug/pprof/goroutine?debug=1")
		heapCode, heap := get(t, base+"/debug/pprof/heap")
		s.Close()
		if !on {
			if code != 404 || heapCode != 404 {
				t.Errorf("pprof off: goroutine %d, heap %d, want 404", code, heapCode)
			}
			continue
		}
		if code != 200 || !strings.Contains(body, "goroutine profile:") {
			t.Errorf("pprof on: goroutine = %d %.80q", code, body)
		}
		// A gzipped protocol buffer, as `go tool pprof` reads it.
		if heapCode != 200 || !strings.HasPrefix(heap, "\x1f\x8b") {
			t.Errorf("pprof on: heap = %d, %d bytes not gzipped", heapCode, len(heap))
		}
	}
}
