package validator

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func pt(series string, t int64, v string) Point { return Point{Key{series, t}, v} }

func points(ps ...Point) Points {
	out := Points{}
	for _, p := range ps {
		out[p.Key] = p.Value
	}
	return out
}

func TestCheck(t *testing.T) {
	const s, u = "root.db.d.s", "root.db.e.s"
	tests := []struct {
		name         string
		acked, maybe []Point
		got          Points
		missing      []Key
		wrong        []Key
		invented     []Key
		maybeHeld    int
	}{{
		name:  "everything there",
		acked: []Point{pt(s, 1, "10"), pt(s, 2, "20"), pt(u, 1, "1")},
		got:   points(pt(s, 1, "10"), pt(s, 2, "20"), pt(u, 1, "1")),
	}, {
		name:    "acknowledged point missing",
		acked:   []Point{pt(s, 1, "10"), pt(s, 2, "20"), pt(u, 7, "7")},
		got:     points(pt(s, 1, "10")),
		missing: []Key{{s, 2}, {u, 7}},
	}, {
		name:  "acknowledged point with another value",
		acked: []Point{pt(s, 1, "10"), pt(s, 2, "20")},
		got:   points(pt(s, 1, "10"), pt(s, 2, "21")),
		wrong: []Key{{s, 2}},
	}, {
		name:     "point no write made",
		acked:    []Point{pt(s, 1, "10")},
		got:      points(pt(s, 1, "10"), pt(s, 3, "30"), pt(u, 1, "1")),
		invented: []Key{{s, 3}, {u, 1}},
	}, {
		name:      "maybe writes present or absent",
		acked:     []Point{pt(s, 1, "10")},
		maybe:     []Point{pt(s, 2, "20"), pt(s, 3, "30")},
		got:       points(pt(s, 1, "10"), pt(s, 2, "20")),
		maybeHeld: 1,
	}, {
		name:     "maybe key with a value no write gave it",
		maybe:    []Point{pt(s, 2, "20")},
		got:      points(pt(s, 2, "99")),
		invented: []Key{{s, 2}},
	}, {
		name:  "failed attempt then acknowledged retry",
		maybe: []Point{pt(s, 1, "10")},
		acked: []Point{pt(s, 1, "10")},
		got:   points(),
		// The retry's acknowledgement makes the point due.
		missing: []Key{{s, 1}},
	}, {
		name:  "a maybe write may have overwritten an acknowledged value",
		acked: []Point{pt(s, 1, "10")},
		maybe: []Point{pt(s, 1, "11")},
		got:   points(pt(s, 1, "11")),
	}, {
		name:  "last acknowledged value wins",
		acked: []Point{pt(s, 1, "10"), pt(s, 1, "12")},
		got:   points(pt(s, 1, "10")),
		wrong: []Key{{s, 1}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRecorder()
			r.Maybe(tt.maybe...)
			r.Ack(tt.acked...)
			rep := r.Check(tt.got)
			if got := keysOf(rep.Missing); !sameKeys(got, tt.missing) {
				t.Errorf("missing %v, want %v", got, tt.missing)
			}
			var wrong []Key
			for _, m := range rep.Wrong {
				wrong = append(wrong, m.Want.Key)
			}
			if !sameKeys(wrong, tt.wrong) {
				t.Errorf("wrong %v, want %v", wrong, tt.wrong)
			}
			if got := keysOf(rep.Invented); !sameKeys(got, tt.invented) {
				t.Errorf("invented %v, want %v", got, tt.invented)
			}
			if rep.MaybeHeld != tt.maybeHeld {
				t.Errorf("MaybeHeld = %d, want %d", rep.MaybeHeld, tt.maybeHeld)
			}
			wantOK := len(tt.missing)+len(tt.wrong)+len(tt.invented) == 0
			if rep.OK() != wantOK {
				t.Errorf("OK() = %v, want %v: %s", rep.OK(), wantOK, rep)
			}
			if _, n := r.Missing(tt.got, 10); n != len(tt.missing)+len(tt.wrong) {
				t.Errorf("Missing counts %d, want %d", n, len(tt.missing)+len(tt.wrong))
			}
			if rep.Held != len(tt.got) {
				t.Errorf("Held = %d, want %d", rep.Held, len(tt.got))
			}
		})
	}
}

func TestReportString(t *testing.T) {
	r := NewRecorder()
	for i := range 20 {
		r.Ack(pt("root.db.d.s", int64(i), fmt.Sprint(i)))
	}
	r.Maybe(pt("root.db.d.s", 100, "x"))
	got := points(pt("root.db.d.s", 0, "0"), pt("root.db.d.s", 1, "bad"), pt("root.db.d.s", 50, "50"))
	rep := r.Check(got)
	s := rep.String()
	for _, want := range []string{
		"20 acknowledged points, 1 maybe-only; target holds 3 (0 of them maybe-only): 18 lost, 1 wrong, 1 invented",
		"lost: root.db.d.s@2=2; root.db.d.s@3=3;", "(13 more)",
		"wrong: root.db.d.s@1 = bad, want 1;",
		"invented: root.db.d.s@50=50;",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q:\n%s", want, s)
		}
	}
	if d := rep.Duplicates(10); d != 7 {
		t.Errorf("Duplicates(10) with 3 held = %d, want 7", d)
	}
}

func TestRecorderConcurrent(t *testing.T) {
	r := NewRecorder()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 1000 {
				p := pt(fmt.Sprintf("root.db.w%d.s", w), int64(i), fmt.Sprint(i))
				if i%10 == 0 {
					r.Maybe(p)
				} else {
					r.Ack(p)
				}
			}
		})
	}
	wg.Wait()
	if n := r.AckedPoints(); n != 7200 {
		t.Errorf("AckedPoints = %d, want 7200", n)
	}
	if n := r.MaybeOnlyPoints(); n != 800 {
		t.Errorf("MaybeOnlyPoints = %d, want 800", n)
	}
}

func TestFormat(t *testing.T) {
	for _, tt := range []struct {
		v    any
		want string
	}{
		{int64(-42), "-42"}, {int32(7), "7"}, {float64(42), "42"}, {1.5, "1.5"},
		{float32(0.1), "0.1"}, {true, "true"}, {"text", "text"},
	} {
		if got := Format(tt.v); got != tt.want {
			t.Errorf("Format(%#v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func keysOf(ps []Point) []Key {
	var out []Key
	for _, p := range ps {
		out = append(out, p.Key)
	}
	return out
}

func sameKeys(a, b []Key) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
