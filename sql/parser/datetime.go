package parser

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// dateTime is a date-time as IoTDB writes them: 2017-11-01, 2017/11/01 or
// 2017.11.01, optionally followed by T (or one space) and hh:mm:ss[.fff],
// optionally followed by Z or +hh:mm / -hh:mm.
type dateTime struct {
	year, month, day  int
	hour, min, sec    int
	frac              string // fraction digits, without the dot
	hasTime, hasZone  bool
	zoneNeg           bool
	zoneHour, zoneMin int
	utc               bool // zone written as Z
}

// scanDateTime matches a date-time at s[i:]. It fails when the match would be
// followed directly by more name characters.
func scanDateTime(s string, i int) (dt dateTime, end int, ok bool) {
	num := func(min, max int) (int, bool) {
		j := skipDigits(s, i)
		if j-i < min || j-i > max {
			return 0, false
		}
		n, _ := strconv.Atoi(s[i:j])
		i = j
		return n, true
	}
	sep := func(c byte) bool {
		if i < len(s) && s[i] == c {
			i++
			return true
		}
		return false
	}
	if dt.year, ok = num(4, 4); !ok || i >= len(s) {
		return dt, 0, false
	}
	d := s[i]
	if d != '-' && d != '/' && d != '.' {
		return dt, 0, false
	}
	i++
	if dt.month, ok = num(1, 2); !ok || !sep(d) {
		return dt, 0, false
	}
	if dt.day, ok = num(1, 2); !ok {
		return dt, 0, false
	}
	end = i
	if i+1 < len(s) && (s[i] == 'T' || s[i] == 't' || s[i] == ' ') && isDigit(s[i+1]) {
		if t, tend, tok := scanTime(s, i+1, dt); tok {
			dt, end = t, tend
		}
	}
	if identEnd(s, end) > end || (end+1 < len(s) && s[end] == '.' && isDigit(s[end+1])) {
		return dt, 0, false
	}
	return dt, end, true
}

// scanTime matches hh:mm:ss[.fff][zone] at s[i:].
func scanTime(s string, i int, dt dateTime) (dateTime, int, bool) {
	field := func() (int, bool) {
		j := skipDigits(s, i)
		if j-i < 1 || j-i > 2 {
			return 0, false
		}
		n, _ := strconv.Atoi(s[i:j])
		i = j
		return n, true
	}
	colon := func() bool {
		if i < len(s) && s[i] == ':' {
			i++
			return true
		}
		return false
	}
	var ok bool
	if dt.hour, ok = field(); !ok || !colon() {
		return dt, 0, false
	}
	if dt.min, ok = field(); !ok || !colon() {
		return dt, 0, false
	}
	if dt.sec, ok = field(); !ok {
		return dt, 0, false
	}
	dt.hasTime = true
	if i+1 < len(s) && s[i] == '.' && isDigit(s[i+1]) {
		j := skipDigits(s, i+1)
		dt.frac = s[i+1 : j]
		i = j
	}
	if i < len(s) && (s[i] == 'Z' || s[i] == 'z') {
		dt.hasZone, dt.utc = true, true
		return dt, i + 1, true
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		save := i
		neg := s[i] == '-'
		i++
		h, okH := field()
		okC := okH && colon()
		m, okM := 0, false
		if okC {
			m, okM = field()
		}
		if okM {
			dt.hasZone, dt.zoneNeg, dt.zoneHour, dt.zoneMin = true, neg, h, m
		} else {
			i = save // not a zone: "-1d" after a time is arithmetic
		}
	}
	return dt, i, true
}

func (dt dateTime) validate() error {
	switch {
	case dt.month < 1 || dt.month > 12:
		return errors.New("month out of range")
	case dt.day < 1 || dt.day > daysIn(dt.year, dt.month):
		return errors.New("day out of range")
	case dt.hour > 23 || dt.min > 59 || dt.sec > 59:
		return errors.New("time of day out of range")
	case dt.zoneHour > 18 || dt.zoneMin > 59:
		return errors.New("zone offset out of range")
	}
	return nil
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// canonical renders dt as yyyy-MM-ddTHH:mm:ss[.fff][Z|±HH:mm], with at
// most nine fraction digits.
func (dt dateTime) canonical() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%04d-%02d-%02dT%02d:%02d:%02d", dt.year, dt.month, dt.day, dt.hour, dt.min, dt.sec)
	if frac := dt.frac; frac != "" {
		if len(frac) > 9 {
			frac = frac[:9] // nanoseconds are the finest any precision needs
		}
		b.WriteString("." + frac)
	}
	switch {
	case dt.utc:
		b.WriteByte('Z')
	case dt.hasZone:
		sign := byte('+')
		if dt.zoneNeg {
			sign = '-'
		}
		fmt.Fprintf(&b, "%c%02d:%02d", sign, dt.zoneHour, dt.zoneMin)
	}
	return b.String()
}

// ParseDateTime reads a date-time in any form the SQL accepts unquoted or
// quoted (2017-11-01T00:00:00.123+08:00, 2017-11-01 00:00:00, 2011.12.03T10:15:30+01:00,
// 2017/11/01, ...), including the canonical form the parser stores in a
// DateTimeLit. A date-time without a zone is read in loc; fraction digits
// beyond nanoseconds are dropped.
func ParseDateTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	dt, end, ok := scanDateTime(s, 0)
	if !ok || end != len(s) {
		return time.Time{}, fmt.Errorf("not a date-time: %q", s)
	}
	if err := dt.validate(); err != nil {
		return time.Time{}, fmt.Errorf("invalid date-time %q: %w", s, err)
	}
	return dt.time(loc), nil
}

func (dt dateTime) time(loc *time.Location) time.Time {
	if dt.hasZone {
		off := dt.zoneHour*3600 + dt.zoneMin*60
		if dt.zoneNeg {
			off = -off
		}
		loc = time.FixedZone("", off)
	}
	if loc == nil {
		loc = time.UTC
	}
	frac := dt.frac
	if len(frac) > 9 {
		frac = frac[:9]
	}
	nanos, _ := strconv.Atoi((frac + "000000000")[:9])
	return time.Date(dt.year, time.Month(dt.month), dt.day, dt.hour, dt.min, dt.sec, nanos, loc)
}
