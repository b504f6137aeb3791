package tsfiletool

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress draws a bar like IoTDB's tools print: on a terminal one line
// redrawn in place at most every 100 ms, elsewhere (logs, tests) only the
// final line.
type progress struct {
	out      io.Writer
	terminal bool
	what     string
	total    int64 // 0: unknown, no percentage
	done     int64
	points   int64
	start    time.Time
	drawn    time.Time
}

func newProgress(out io.Writer, what string, total int64) *progress {
	return &progress{out: out, terminal: isTerminal(out), what: what, total: total, start: time.Now()}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// add counts n units of the total and points points.
func (p *progress) add(n, points int64) {
	p.done += n
	p.points += points
	if p.terminal && time.Since(p.drawn) >= 100*time.Millisecond {
		p.drawn = time.Now()
		fmt.Fprintf(p.out, "\r%s", p.line())
	}
}

// finish prints the final line.
func (p *progress) finish() {
	if p.terminal {
		fmt.Fprint(p.out, "\r")
	}
	fmt.Fprintln(p.out, p.line())
}

func (p *progress) line() string {
	const width = 30
	elapsed := time.Since(p.start)
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(p.points) / s
	}
	if p.total <= 0 {
		return fmt.Sprintf("%s: %d points, %.0f points/s, %s", p.what, p.points, rate, elapsed.Round(time.Millisecond))
	}
	frac := min(float64(p.done)/float64(p.total), 1)
	fill := int(frac * width)
	bar := strings.Repeat("=", fill) + strings.Repeat(" ", width-fill)
	if fill < width {
		bar = strings.Repeat("=", fill) + ">" + strings.Repeat(" ", width-fill-1)
	}
	return fmt.Sprintf("%s [%s] %3.0f%% %d points, %.0f points/s, %s", p.what, bar, frac*100, p.points, rate, elapsed.Round(time.Millisecond))
}
