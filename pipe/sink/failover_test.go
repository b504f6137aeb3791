package sink

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestTryTargets: the walk starts at the given target and goes
// round-robin; a failing target is warned about once per interval and
// listed in "no target available"; a target that answered is warned
// about at once when it fails again; any error other than a target
// failure ends the walk.
func TestTryTargets(t *testing.T) {
	var logs bytes.Buffer
	a := &attributes{plugin: "p", targets: []string{"a:1", "b:1", "c:1"}}
	f := newFailover(a, slog.New(slog.NewTextHandler(&logs, nil)))
	ctx := t.Context()
	refused := errors.New("connection refused")
	var tried []string
	walk := func(start int, outcome map[string]error) (string, int, error) {
		t.Helper()
		tried = nil
		return tryTargets(f, start, func(target string) (string, error) {
			tried = append(tried, target)
			if err := outcome[target]; err != nil {
				return "", err
			}
			return target, nil
		})
	}
	warnings := func() []string {
		t.Helper()
		var out []string
		for line := range strings.Lines(logs.String()) {
			out = append(out, line[strings.Index(line, "msg="):len(line)-1])
		}
		logs.Reset()
		return out
	}

	down := map[string]error{
		"a:1": unreachable(ctx, "a:1", refused),
		"b:1": unreachable(ctx, "b:1", refused),
		"c:1": f.failed("handshake failed", errors.New("p c:1: handshake: EOF")),
	}
	_, _, err := walk(0, down)
	if err == nil || err.Error() != "p: no target available: a:1: connection refused; b:1: connection refused; c:1: handshake: EOF" {
		t.Fatalf("walk with every target down = %v", err)
	}
	want := []string{
		`msg="cannot connect to target" target=a:1 err="connection refused" similar_warnings_held_back=0`,
		`msg="cannot connect to target" target=b:1 err="connection refused" similar_warnings_held_back=0`,
		`msg="handshake failed" target=c:1 err="p c:1: handshake: EOF" similar_warnings_held_back=0`,
	}
	if got := warnings(); !slices.Equal(got, want) {
		t.Fatalf("warnings %q, want %q", got, want)
	}

	if got, idx, err := walk(1, map[string]error{"b:1": down["b:1"]}); err != nil || got != "c:1" || idx != 2 || !slices.Equal(tried, []string{"b:1", "c:1"}) {
		t.Fatalf("walk from b = %q, %d, %v after trying %v; want c:1, 2", got, idx, err, tried)
	}
	if got := warnings(); len(got) != 0 {
		t.Fatalf("warnings %q, want none: b failed again within the interval", got)
	}

	if _, _, err := walk(2, down); err == nil || !strings.Contains(err.Error(), "no target available: c:1: handshake: EOF; a:1") {
		t.Fatalf("walk from c with every target down = %v", err)
	}
	want = []string{`msg="handshake failed" target=c:1 err="p c:1: handshake: EOF" similar_warnings_held_back=0`}
	if got := warnings(); !slices.Equal(got, want) {
		t.Fatalf("warnings %q, want %q: only c, which answered since its last warning", got, want)
	}

	now := time.Now().Add(warnEvery)
	f.warns.now = func() time.Time { return now }
	walk(1, down)
	want = []string{
		`msg="cannot connect to target" target=b:1 err="connection refused" similar_warnings_held_back=2`,
		`msg="handshake failed" target=c:1 err="p c:1: handshake: EOF" similar_warnings_held_back=0`,
		`msg="cannot connect to target" target=a:1 err="connection refused" similar_warnings_held_back=1`,
	}
	if got := warnings(); !slices.Equal(got, want) {
		t.Fatalf("warnings after the interval %q, want %q", got, want)
	}

	fatal := errors.New("fatal")
	if _, idx, err := walk(2, map[string]error{"c:1": fatal}); err != fatal || idx != 2 || !slices.Equal(tried, []string{"c:1"}) {
		t.Fatalf("walk ended by c = %d, %v after trying %v", idx, err, tried)
	}
}

// TestUnreachableEndedContext: a dial failure once the caller's context
// ended is the context's error, which ends the walk.
func TestUnreachableEndedContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := unreachable(ctx, "a:1", errors.New("refused")); !errors.Is(err, context.Canceled) {
		t.Fatalf("unreachable = %v, want context canceled", err)
	}
}
