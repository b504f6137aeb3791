package parser

import (
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/sluicedb/sluice/sql/ast"
)

// durationUnits maps IoTDB's duration units to milliseconds; mo and y count
// months, us and ns nanoseconds.
var durationUnits = map[string]struct {
	months, millis, nanos int64
}{
	"y":  {months: 12},
	"mo": {months: 1},
	"w":  {millis: 7 * 86400000},
	"d":  {millis: 86400000},
	"h":  {millis: 3600000},
	"m":  {millis: 60000},
	"s":  {millis: 1000},
	"ms": {millis: 1},
	"us": {nanos: 1000},
	"ns": {nanos: 1},
}

var errDurationRange = errors.New("duration out of range")

// parseDuration reads a duration such as 1d, 1h30m, 10ms or 1mo (units are
// case-insensitive). Sub-millisecond parts are summed, then rounded down to
// whole milliseconds.
func parseDuration(s string) (ast.Duration, error) {
	var d ast.Duration
	var nanos int64
	if s == "" {
		return d, errors.New("empty duration")
	}
	for i := 0; i < len(s); {
		j := skipDigits(s, i)
		if j == i {
			return d, errors.New("a duration is a number followed by a unit (y mo w d h m s ms us ns)")
		}
		n, err := strconv.ParseInt(s[i:j], 10, 64)
		if err != nil {
			return d, errDurationRange
		}
		k := j
		for k < len(s) && !isDigit(s[k]) {
			k++
		}
		unit, ok := durationUnits[strings.ToLower(s[j:k])]
		if !ok {
			return d, errors.New("unknown duration unit '" + s[j:k] + "'")
		}
		if d.Months, ok = addMul(d.Months, n, unit.months); !ok {
			return d, errDurationRange
		}
		if d.Millis, ok = addMul(d.Millis, n, unit.millis); !ok {
			return d, errDurationRange
		}
		if nanos, ok = addMul(nanos, n, unit.nanos); !ok {
			return d, errDurationRange
		}
		i = k
	}
	var ok bool
	if d.Millis, ok = addMul(d.Millis, nanos/1000000, 1); !ok {
		return d, errDurationRange
	}
	return d, nil
}

// addMul returns acc + n*unit for non-negative operands, reporting overflow.
func addMul(acc, n, unit int64) (int64, bool) {
	if unit == 0 || n == 0 {
		return acc, true
	}
	if n > math.MaxInt64/unit {
		return 0, false
	}
	p := n * unit
	if acc > math.MaxInt64-p {
		return 0, false
	}
	return acc + p, true
}
