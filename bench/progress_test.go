package bench

import (
	"bytes"
	"strings"
	"testing"
)

// TestProgressPlainLines: away from a terminal the progress is a line per
// quarter reached, never a carriage return, and a closing line.
func TestProgressPlainLines(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, "ingest", 1000)
	for range 10 {
		p.Add(100)
	}
	p.Finish()
	p.Set(5) // after Finish: nothing
	want := "ingest: 30% (300 of 1000)\ningest: 50% (500 of 1000)\ningest: 80% (800 of 1000)\ningest: done (1000 of 1000)\n"
	if b.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", b.String(), want)
	}

	b.Reset()
	p = newProgress(&b, "B holds", 1000)
	p.Set(900) // one jump across three quarters: one line
	p.Finish()
	if want := "B holds: 90% (900 of 1000)\nB holds: stopped at 90% (900 of 1000)\n"; b.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestProgressBar(t *testing.T) {
	p := &progress{label: "sync", total: 200, done: 50}
	if got, want := p.bar(), "sync ["+strings.Repeat("#", 7)+strings.Repeat(".", 23)+"]  25% 50 of 200"; got != want {
		t.Fatalf("bar %q, want %q", got, want)
	}
	var b bytes.Buffer
	p = newProgress(&b, "sync", 10)
	p.tty = true
	p.Set(10)
	p.Finish()
	if s := b.String(); !strings.HasPrefix(s, "\rsync [") || !strings.HasSuffix(s, "100% 10 of 10\n") {
		t.Fatalf("terminal output %q", s)
	}
}
