package cli

import (
	"context"
	"encoding/csv"
	"io"
	"time"
)

// csvFormatter prints a header line and one record per row, quoted as RFC
// 4180 asks. Null is an empty field.
type csvFormatter struct {
	loc *time.Location
}

func (f *csvFormatter) write(ctx context.Context, w io.Writer, rs rows) (int, error) {
	cw := csv.NewWriter(w)
	if err := cw.Write(header(rs)); err != nil {
		return 0, err
	}
	var (
		r      row
		record []string
		n      int
	)
	for {
		ok, err := rs.next(ctx, &r)
		if err != nil || !ok {
			cw.Flush()
			if err == nil {
				err = cw.Error()
			}
			return n, err
		}
		record = record[:0]
		if rs.hasTime() {
			record = append(record, formatTime(r.time, f.loc))
		}
		for _, v := range r.values {
			record = append(record, formatValue(v, ""))
		}
		if err := cw.Write(record); err != nil {
			return n, err
		}
		n++
	}
}
