package cli

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/mattn/go-runewidth"
)

// defaultSampleRows is how many rows the table formatter reads before it
// fixes the column widths and starts printing.
const defaultSampleRows = 1000

// tableFormatter prints IoTDB's bordered table with right-aligned cells.
// Column widths come from the header and the first sampleRows rows; a later,
// wider cell overflows its column rather than holding the whole result in
// memory.
type tableFormatter struct {
	loc        *time.Location
	sampleRows int
}

func (f *tableFormatter) write(ctx context.Context, w io.Writer, rs rows) (int, error) {
	head := header(rs)
	widths := make([]int, len(head))
	for i, h := range head {
		widths[i] = runewidth.StringWidth(h)
	}

	var (
		r       row
		sample  [][]string
		readErr error
		more    = true
	)
	for more && len(sample) < f.sampleRows {
		more, readErr = rs.next(ctx, &r)
		if readErr != nil || !more {
			break
		}
		cells := f.cells(rs.hasTime(), &r, nil)
		for i, c := range cells {
			widths[i] = max(widths[i], runewidth.StringWidth(c))
		}
		sample = append(sample, cells)
	}

	t := tableWriter{w: w, widths: widths}
	t.border()
	t.line(head)
	t.border()
	for _, cells := range sample {
		t.line(cells)
	}
	n := len(sample)
	var cells []string
	for more && readErr == nil && t.err == nil {
		more, readErr = rs.next(ctx, &r)
		if readErr != nil || !more {
			break
		}
		cells = f.cells(rs.hasTime(), &r, cells[:0])
		t.line(cells)
		n++
	}
	if n > 0 {
		t.border()
	}
	if readErr != nil {
		return n, readErr
	}
	return n, t.err
}

// cells renders r into dst, the time first if the result has one.
func (f *tableFormatter) cells(withTime bool, r *row, dst []string) []string {
	if withTime {
		dst = append(dst, formatTime(r.time, f.loc))
	}
	for _, v := range r.values {
		dst = append(dst, formatValue(v, "null"))
	}
	return dst
}

// tableWriter draws table lines, remembering the first write error so the
// caller checks once.
type tableWriter struct {
	w      io.Writer
	widths []int
	buf    []byte
	err    error
}

func (t *tableWriter) border() {
	t.buf = append(t.buf[:0], '+')
	for _, n := range t.widths {
		t.buf = append(t.buf, strings.Repeat("-", n)...)
		t.buf = append(t.buf, '+')
	}
	t.flush()
}

func (t *tableWriter) line(cells []string) {
	t.buf = append(t.buf[:0], '|')
	for i, c := range cells {
		if pad := t.widths[i] - runewidth.StringWidth(c); pad > 0 {
			t.buf = append(t.buf, strings.Repeat(" ", pad)...)
		}
		t.buf = append(t.buf, c...)
		t.buf = append(t.buf, '|')
	}
	t.flush()
}

func (t *tableWriter) flush() {
	if t.err != nil {
		return
	}
	t.buf = append(t.buf, '\n')
	_, t.err = t.w.Write(t.buf)
}
