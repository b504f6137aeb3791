package plugin

import (
	"math"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	zone := time.FixedZone("+08", 8*3600)
	cases := []struct {
		in   string
		want int64
	}{
		{"2011-12-03T10:15:30", ms(2011, 12, 3, 10, 15, 30, 0, zone)},
		{"2011-12-03T10:15:30+01:00", ms(2011, 12, 3, 10, 15, 30, 0, time.FixedZone("", 3600))},
		{"2011-12-03T10:15:30-05:30", ms(2011, 12, 3, 10, 15, 30, 0, time.FixedZone("", -(5*3600+1800)))},
		{"2011-12-03T10:15:30Z", ms(2011, 12, 3, 10, 15, 30, 0, time.UTC)},
		{"2011-12-03T10:15:30.123Z", ms(2011, 12, 3, 10, 15, 30, 123e6, time.UTC)},
		{"2011-12-03T10:15:30.1234567+01:00", ms(2011, 12, 3, 9, 15, 30, 123e6, time.UTC)},
		{"2011-12-03T10:15:30.5", ms(2011, 12, 3, 10, 15, 30, 500e6, zone)},
		{"2011.12.03T10:15:30+01:00", ms(2011, 12, 3, 9, 15, 30, 0, time.UTC)},
		{"2011/12/03T10:15:30+01:00", ms(2011, 12, 3, 9, 15, 30, 0, time.UTC)},
		{"2011/12/03 10:15:30", ms(2011, 12, 3, 10, 15, 30, 0, zone)},
		{"2011-12-03", ms(2011, 12, 3, 0, 0, 0, 0, zone)},
		{"1706704494000", 1706704494000},
		{"-1706704494000", -1706704494000},
		{"0", 0},
		{"9223372036854775807", math.MaxInt64},
		{"-9223372036854775808", math.MinInt64},
		{"1969-12-31T23:59:59.999Z", -1},
	}
	for _, c := range cases {
		got, err := parseTime(c.in, zone)
		if err != nil || got != c.want {
			t.Errorf("parseTime(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	if got, err := parseTime("2011-12-03T10:15:30", nil); err != nil || got != ms(2011, 12, 3, 10, 15, 30, 0, time.UTC) {
		t.Errorf("nil zone must mean UTC: %d, %v", got, err)
	}
	for _, in := range []string{"", "now", "1.5", "1e3", "9223372036854775808", "2011-13-03T10:15:30",
		"2011-12-03T25:15:30", "2011-12-03T10:15", "2011-12-03X10:15:30", "2011-12-03T10:15:30+01", "12/03/2011"} {
		if got, err := parseTime(in, zone); err == nil {
			t.Errorf("parseTime(%q) = %d, want an error", in, got)
		}
	}
}
