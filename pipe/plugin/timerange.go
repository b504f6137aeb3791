package plugin

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/sluicedb/sluice/sql/parser"
)

// timeRanges reads the source's time bounds. start-time and end-time, when
// either is given, bound all data and the history.* bounds are ignored
// (their syntax is still checked); otherwise history.* bound the historical
// phase. Unset bounds are math.MinInt64 and math.MaxInt64.
func timeRanges(ps *params, zone *time.Location) (histStart, histEnd, start, end int64, err error) {
	times := map[string]int64{}
	for _, k := range []string{"history.start-time", "history.end-time", "start-time", "end-time"} {
		if p, ok := ps.get(k); ok {
			t, err := parseTime(p.value, zone)
			if err != nil {
				return 0, 0, 0, 0, ps.c.errorf("'%s' = '%s': %v", p.written, p.value, err)
			}
			times[k] = t
		}
	}
	_, hasStart := times["start-time"]
	_, hasEnd := times["end-time"]
	overall := hasStart || hasEnd
	lo, hi := "history.start-time", "history.end-time"
	if overall {
		lo, hi = "start-time", "end-time"
	}
	from, to := int64(math.MinInt64), int64(math.MaxInt64)
	if t, ok := times[lo]; ok {
		from = t
	}
	if t, ok := times[hi]; ok {
		to = t
	}
	if from > to {
		return 0, 0, 0, 0, ps.c.errorf("'%s' (%d) is after '%s' (%d)", ps.byKey[lo].written, from, ps.byKey[hi].written, to)
	}
	if overall {
		return math.MinInt64, math.MaxInt64, from, to, nil
	}
	return from, to, math.MinInt64, math.MaxInt64, nil
}

// parseTime reads epoch milliseconds or a date-time; a date-time without an
// offset is in zone (nil: UTC).
func parseTime(v string, zone *time.Location) (int64, error) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n, nil
	}
	t, err := parser.ParseDateTime(v, zone)
	if err != nil {
		return 0, fmt.Errorf("%v; write epoch milliseconds (1706704494000) or a date-time (2011-12-03T10:15:30+01:00)", err)
	}
	return t.UnixMilli(), nil
}
