package validator

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
)

// Key identifies one point: a series' full path and a timestamp.
type Key struct {
	Series string
	Time   int64
}

// String renders k as series@time.
func (k Key) String() string { return fmt.Sprintf("%s@%d", k.Series, k.Time) }

// Point is one value of one series, its value rendered as text the way
// Format renders what the client reads back.
type Point struct {
	Key
	Value string
}

// String renders p as series@time=value.
func (p Point) String() string { return fmt.Sprintf("%s=%s", p.Key, p.Value) }

// Points is the content of a target: one value per key.
type Points map[Key]string

// Recorder collects the writes of a load generator. It is safe for
// concurrent use by the load's goroutines.
//
// A key may be written more than once (a retry repeats a batch). Its
// expected value is the one of its last acknowledged write; a value of any
// maybe write of the key is accepted too, since such a write may have been
// applied after the acknowledged one.
type Recorder struct {
	mu    sync.Mutex
	acked map[Key]string
	maybe map[Key][]string
	acks  int // acknowledged points, counting repeats
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder {
	return &Recorder{acked: map[Key]string{}, maybe: map[Key][]string{}}
}

// Ack records points whose write returned success.
func (r *Recorder) Ack(pts ...Point) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range pts {
		r.acked[p.Key] = p.Value
	}
	r.acks += len(pts)
}

// Maybe records points of a write that failed or timed out: the target
// may hold them or not.
func (r *Recorder) Maybe(pts ...Point) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range pts {
		if !slices.Contains(r.maybe[p.Key], p.Value) {
			r.maybe[p.Key] = append(r.maybe[p.Key], p.Value)
		}
	}
}

// AckedPoints is the number of distinct points acknowledged so far.
func (r *Recorder) AckedPoints() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.acked)
}

// MaybeOnlyPoints is the number of distinct points written only by maybe
// writes: never acknowledged.
func (r *Recorder) MaybeOnlyPoints() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for k := range r.maybe {
		if _, ok := r.acked[k]; !ok {
			n++
		}
	}
	return n
}

// Missing returns up to limit acknowledged points that got lacks or holds
// with another value, and how many there are in all. It is a cheaper
// Check for polling until a target has caught up.
func (r *Recorder) Missing(got Points, limit int) ([]Point, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Point
	n := 0
	for k, v := range r.acked {
		if gv, ok := got[k]; ok && r.accepts(k, v, gv) {
			continue
		}
		n++
		if len(out) < limit {
			out = append(out, Point{k, v})
		}
	}
	sortPoints(out)
	return out, n
}

// accepts reports whether got is a right value for key k acknowledged
// with want. r.mu is held.
func (r *Recorder) accepts(k Key, want, got string) bool {
	return got == want || slices.Contains(r.maybe[k], got)
}

// Mismatch is an acknowledged point the target holds with another value.
type Mismatch struct {
	Want Point
	Got  string
}

// String renders m as "series@time = got, want value".
func (m Mismatch) String() string {
	return fmt.Sprintf("%s = %s, want %s", m.Want.Key, m.Got, m.Want.Value)
}

// Report is the outcome of Check.
type Report struct {
	// Acked is the number of distinct acknowledged points; MaybeOnly the
	// number of distinct points written only by maybe writes.
	Acked, MaybeOnly int
	// Held is the number of distinct points the target holds, and
	// MaybeHeld how many of them are maybe-only points.
	Held, MaybeHeld int
	// Missing are acknowledged points the target lacks, Wrong those it
	// holds with a value no write of the key gave it, Invented the points
	// at keys no acknowledged write made that no maybe write made either
	// (not with that value). All sorted by series and time.
	Missing  []Point
	Wrong    []Mismatch
	Invented []Point
}

// OK reports whether nothing acknowledged is lost or wrong and nothing is
// invented.
func (r *Report) OK() bool {
	return len(r.Missing) == 0 && len(r.Wrong) == 0 && len(r.Invented) == 0
}

// Duplicates is how many more points the receiver received than it holds:
// received is its count of points received (over all its runs), each
// delivery counted. Only meaningful when every delivery is of a point the
// checked target holds.
func (r *Report) Duplicates(received int64) int64 { return received - int64(r.Held) }

// examples is how many points of each kind String names.
const examples = 5

// String summarises the report, naming at most a few points of each
// kind of failure.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d acknowledged points, %d maybe-only; target holds %d (%d of them maybe-only): %d lost, %d wrong, %d invented",
		r.Acked, r.MaybeOnly, r.Held, r.MaybeHeld, len(r.Missing), len(r.Wrong), len(r.Invented))
	list(&b, "lost", r.Missing)
	list(&b, "wrong", r.Wrong)
	list(&b, "invented", r.Invented)
	return b.String()
}

func list[T fmt.Stringer](b *strings.Builder, what string, xs []T) {
	if len(xs) == 0 {
		return
	}
	fmt.Fprintf(b, "\n  %s:", what)
	for _, x := range xs[:min(len(xs), examples)] {
		fmt.Fprintf(b, " %s;", x)
	}
	if len(xs) > examples {
		fmt.Fprintf(b, " ... (%d more)", len(xs)-examples)
	}
}

// Check compares the recorded writes with got, the target's content.
func (r *Recorder) Check(got Points) *Report {
	r.mu.Lock()
	defer r.mu.Unlock()
	rep := &Report{Acked: len(r.acked), Held: len(got)}
	for k := range r.maybe {
		if _, ok := r.acked[k]; !ok {
			rep.MaybeOnly++
		}
	}
	for k, want := range r.acked {
		gv, ok := got[k]
		switch {
		case !ok:
			rep.Missing = append(rep.Missing, Point{k, want})
		case !r.accepts(k, want, gv):
			rep.Wrong = append(rep.Wrong, Mismatch{Point{k, want}, gv})
		}
	}
	for k, gv := range got {
		if _, ok := r.acked[k]; ok {
			continue
		}
		if slices.Contains(r.maybe[k], gv) {
			rep.MaybeHeld++
			continue
		}
		// No write gave the key this value, maybe writes included.
		rep.Invented = append(rep.Invented, Point{k, gv})
	}
	sortPoints(rep.Missing)
	sortPoints(rep.Invented)
	slices.SortFunc(rep.Wrong, func(a, b Mismatch) int { return compareKeys(a.Want.Key, b.Want.Key) })
	return rep
}

// Keys returns the keys of ps, sorted by series and time.
func (ps Points) Keys() []Key {
	return slices.SortedFunc(maps.Keys(ps), compareKeys)
}

func sortPoints(ps []Point) {
	slices.SortFunc(ps, func(a, b Point) int { return compareKeys(a.Key, b.Key) })
}

func compareKeys(a, b Key) int {
	return cmp.Or(strings.Compare(a.Series, b.Series), cmp.Compare(a.Time, b.Time))
}
