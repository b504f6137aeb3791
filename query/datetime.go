package query

import (
	"time"

	"github.com/sluicedb/sluice/status"
)

// parseDateTime reads IoTDB's date-time forms: yyyy-MM-dd, yyyy/MM/dd or
// yyyy.MM.dd, optionally followed by 'T' or ' ' and HH:mm[:ss[.fraction]],
// optionally followed by Z or an offset (+08:00, +0800, +08).
func parseDateTime(s string, zone *time.Location) (int64, error) {
	bad := func() (int64, error) {
		return 0, status.Errorf(status.SemanticError, "illegal date-time %q: expected a form like 2011-12-03T10:15:30+01:00", s)
	}
	p := dtScanner{s: s}
	year, ok := p.digits(4, 4)
	if !ok || !p.more() {
		return bad()
	}
	sep := s[p.i]
	if sep != '-' && sep != '/' && sep != '.' {
		return bad()
	}
	p.i++
	month, ok1 := p.digits(1, 2)
	ok2 := p.accept(sep)
	day, ok3 := p.digits(1, 2)
	if !ok1 || !ok2 || !ok3 {
		return bad()
	}
	var hour, minute, sec, nanos int
	if p.more() && (s[p.i] == 'T' || s[p.i] == ' ') {
		p.i++
		var ok1, ok2, ok3 bool
		hour, ok1 = p.digits(1, 2)
		ok2 = p.accept(':')
		minute, ok3 = p.digits(1, 2)
		if !ok1 || !ok2 || !ok3 {
			return bad()
		}
		if p.accept(':') {
			if sec, ok = p.digits(1, 2); !ok {
				return bad()
			}
			if p.accept('.') {
				start := p.i
				frac, ok := p.digits(1, 9)
				if !ok {
					return bad()
				}
				for n := p.i - start; n < 9; n++ {
					frac *= 10
				}
				nanos = frac
			}
		}
	}
	loc := zone
	if p.more() {
		switch c := s[p.i]; {
		case c == 'Z' || c == 'z':
			p.i++
			loc = time.UTC
		case c == '+' || c == '-':
			p.i++
			oh, ok := p.digits(2, 2)
			if !ok {
				return bad()
			}
			om := 0
			if p.more() {
				p.accept(':')
				if om, ok = p.digits(2, 2); !ok {
					return bad()
				}
			}
			if oh > 18 || om > 59 {
				return bad()
			}
			off := oh*3600 + om*60
			if c == '-' {
				off = -off
			}
			loc = time.FixedZone("", off)
		}
	}
	if p.more() || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return bad()
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nanos, loc)
	if t.Day() != day {
		return bad() // e.g. February 30th
	}
	return t.UnixMilli(), nil
}

type dtScanner struct {
	s string
	i int
}

func (p *dtScanner) more() bool { return p.i < len(p.s) }

func (p *dtScanner) accept(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// digits reads between least and most decimal digits.
func (p *dtScanner) digits(least, most int) (int, bool) {
	v, n := 0, 0
	for p.i < len(p.s) && n < most && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		v = v*10 + int(p.s[p.i]-'0')
		p.i++
		n++
	}
	return v, n >= least
}
