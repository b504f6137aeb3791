package bench

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
)

// progress shows how far a phase of the benchmark has come: on a terminal
// a bar redrawn in place, at most ten times a second; anywhere else (a
// file, a pipe, CI's log) one plain line per quarter, so logs stay
// readable. It is safe for concurrent use.
type progress struct {
	out   io.Writer
	label string
	total int64
	tty   bool

	mu       sync.Mutex
	done     int64
	drawn    time.Time
	quarters int64 // the last quarter reported as a plain line
	finished bool
}

// barWidth is the number of cells in the terminal bar.
const barWidth = 30

// newProgress starts reporting a phase of total units (points, rows).
func newProgress(out io.Writer, label string, total int64) *progress {
	return &progress{out: out, label: label, total: max(total, 1), tty: isTerminal(out)}
}

// isTerminal reports whether out is a terminal.
func isTerminal(out io.Writer) bool {
	f, ok := out.(*os.File)
	if !ok {
		return false
	}
	return isatty.IsTerminal(f.Fd())
}

// Add records n more units done.
func (p *progress) Add(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.setLocked(p.done + n)
}

// Set records that n units are done in all.
func (p *progress) Set(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.setLocked(n)
}

func (p *progress) setLocked(n int64) {
	if p.finished {
		return
	}
	p.done = n
	if p.tty {
		if time.Since(p.drawn) >= 100*time.Millisecond {
			p.drawn = time.Now()
			fmt.Fprintf(p.out, "\r%s", p.bar())
		}
		return
	}
	if q := min(4*p.done/p.total, 4); q > p.quarters {
		p.quarters = q
		if q < 4 {
			fmt.Fprintf(p.out, "%s: %d%% (%d of %d)\n", p.label, 100*p.done/p.total, p.done, p.total)
		}
	}
}

// Finish ends the phase: the last state of the bar, or a closing line.
func (p *progress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return
	}
	p.finished = true
	if p.tty {
		fmt.Fprintf(p.out, "\r%s\n", p.bar())
		return
	}
	if p.done < p.total {
		fmt.Fprintf(p.out, "%s: stopped at %d%% (%d of %d)\n", p.label, 100*p.done/p.total, p.done, p.total)
		return
	}
	fmt.Fprintf(p.out, "%s: done (%d of %d)\n", p.label, p.done, p.total)
}

// bar draws "label [#####.....]  50% 500 of 1000".
func (p *progress) bar() string {
	frac := min(float64(p.done)/float64(p.total), 1)
	cells := int(frac * barWidth)
	return fmt.Sprintf("%s [%s%s] %3.0f%% %d of %d", p.label,
		strings.Repeat("#", cells), strings.Repeat(".", barWidth-cells), frac*100, p.done, p.total)
}
