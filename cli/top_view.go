package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-runewidth"
)

// clearScreen moves the cursor home and clears the terminal, as top does
// between frames.
const clearScreen = "\x1b[H\x1b[2J"

// progressWidth is how many cells the progress bar has between brackets.
const progressWidth = 20

// pipeStatColumns are the columns of SHOW PIPES STATISTICS the view reads,
// found by name so that their order and any other column do not matter.
var pipeStatColumns = []string{"ID", "State", "RemainingEventCount", "EventsPerSecond", "LagSeconds",
	"EstimatedRemainingSeconds", "ExceptionMessage"}

// pipeStat is one pipe as SHOW PIPES STATISTICS reports it.
type pipeStat struct {
	name, state, exception string
	backlog, rate, lag     number
	eta                    number // seconds, or a word such as Unknown
}

// number is a cell that should hold a number: its text as the server
// printed it, and its value when it parses.
type number struct {
	text  string
	value float64
	ok    bool
}

func parseNumber(s string) number {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return number{text: s, value: v, ok: err == nil && !math.IsNaN(v) && !math.IsInf(v, 0)}
}

// queryPipeStats runs SHOW PIPES STATISTICS and reads its rows.
func queryPipeStats(ctx context.Context, exec executor) ([]pipeStat, error) {
	rs, err := exec.execute(ctx, showPipesStatistics)
	if err != nil {
		return nil, err
	}
	if rs == nil {
		return nil, errors.New("the server returned no result")
	}
	defer rs.close()
	index := map[string]int{}
	for i, c := range rs.columns() {
		index[c] = i
	}
	pos := make([]int, len(pipeStatColumns))
	for i, c := range pipeStatColumns {
		p, ok := index[c]
		if !ok {
			return nil, fmt.Errorf("the result has no column %s (it has %s)", c, strings.Join(rs.columns(), ", "))
		}
		pos[i] = p
	}
	var (
		out []pipeStat
		r   row
	)
	for {
		more, err := rs.next(ctx, &r)
		if err != nil {
			return nil, err
		}
		if !more {
			return out, nil
		}
		cell := func(i int) string { return formatValue(r.values[pos[i]], "") }
		out = append(out, pipeStat{name: cell(0), state: cell(1), backlog: parseNumber(cell(2)), rate: parseNumber(cell(3)),
			lag: parseNumber(cell(4)), eta: parseNumber(cell(5)), exception: cell(6)})
	}
}

// topView renders frames and remembers, per pipe, the largest backlog seen
// since the view started: the progress bar shows how much of it drained.
type topView struct {
	server   string
	terminal bool
	frames   int
	peak     map[string]float64
}

func newTopView(server string, terminal bool) *topView {
	return &topView{server: server, terminal: terminal, peak: map[string]float64{}}
}

// write prints one frame: on a terminal over the last one, otherwise after
// a blank line.
func (v *topView) write(w io.Writer, now time.Time, stats []pipeStat) error {
	var b strings.Builder
	if v.terminal {
		b.WriteString(clearScreen)
	} else if v.frames > 0 {
		b.WriteByte('\n')
	}
	v.frames++
	v.render(&b, now, stats)
	_, err := io.WriteString(w, b.String())
	return err
}

// topHeader names the columns of a frame; the numeric ones are
// right-aligned.
var topHeader = []string{"PIPE", "STATE", "BACKLOG", "EVENTS/S", "LAG(S)", "ETA", "DRAINED SINCE START"}

func (v *topView) render(b *strings.Builder, now time.Time, stats []pipeStat) {
	noun := "pipes"
	if len(stats) == 1 {
		noun = "pipe"
	}
	fmt.Fprintf(b, "sluice top - %s - %s - %d %s\n\n", now.Format("2006-01-02 15:04:05"), v.server, len(stats), noun)
	if len(stats) == 0 {
		b.WriteString("No pipes.\n")
		v.peak = map[string]float64{}
		return
	}
	peak := make(map[string]float64, len(stats))
	lines := [][]string{topHeader}
	for _, s := range stats {
		bar := "-"
		if s.backlog.ok {
			peak[s.name] = max(v.peak[s.name], s.backlog.value)
			bar = progressBar(peak[s.name], s.backlog.value)
		}
		lines = append(lines, []string{s.name, s.state, formatFixed(s.backlog, 0), formatFixed(s.rate, 1),
			formatFixed(s.lag, 1), formatETA(s.eta), bar})
	}
	v.peak = peak
	widths := make([]int, len(topHeader))
	for _, l := range lines {
		for i, c := range l {
			widths[i] = max(widths[i], runewidth.StringWidth(c))
		}
	}
	for i, l := range lines {
		writeTopLine(b, l, widths)
		if i > 0 && stats[i-1].exception != "" {
			fmt.Fprintf(b, "  ! %s\n", strings.Join(strings.Fields(stats[i-1].exception), " "))
		}
	}
}

// writeTopLine pads the cells to widths: name and state left-aligned, the
// figures right-aligned, the bar last.
func writeTopLine(b *strings.Builder, cells []string, widths []int) {
	var line strings.Builder
	for i, c := range cells {
		if i > 0 {
			line.WriteString("  ")
		}
		pad := strings.Repeat(" ", widths[i]-runewidth.StringWidth(c))
		if i < 2 || i == len(cells)-1 {
			line.WriteString(c + pad)
		} else {
			line.WriteString(pad + c)
		}
	}
	b.WriteString(strings.TrimRight(line.String(), " "))
	b.WriteByte('\n')
}

// progressBar shows how much of peak has drained to leave backlog; with
// nothing to drain it is full.
func progressBar(peak, backlog float64) string {
	frac := 1.0
	if peak > 0 {
		frac = (peak - backlog) / peak
	}
	filled := int(frac * progressWidth)
	return fmt.Sprintf("[%s%s] %3d%%", strings.Repeat("#", filled), strings.Repeat(".", progressWidth-filled), int(frac*100))
}

// formatFixed prints a number with digits decimals, a cell that is no
// number as the server sent it, and an empty one as "-".
func formatFixed(n number, digits int) string {
	switch {
	case n.ok:
		return strconv.FormatFloat(n.value, 'f', digits, 64)
	case strings.TrimSpace(n.text) == "":
		return "-"
	}
	return n.text
}

// formatETA prints seconds as a duration (42s, 3m05s, 2h10m); a word such
// as Unknown stays as it is.
func formatETA(n number) string {
	if !n.ok {
		return formatFixed(n, 0)
	}
	s := int64(math.Round(n.value))
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
	return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
}
