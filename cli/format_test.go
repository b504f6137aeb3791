package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/model"
)

// shanghai is a fixed +08:00 zone, the offset of IoTDB's documentation.
var shanghai = time.FixedZone("CST", 8*3600)

// sampleResults are the results every formatter is checked against.
func sampleResults() map[string]func() *sliceRows {
	return map[string]func() *sliceRows{
		"query": func() *sliceRows {
			return &sliceRows{
				names:    []string{"root.sg.d1.s1", "root.sg.d1.flag", "root.sg.d1.n", "root.sg.d1.t"},
				withTime: true,
				data: []row{
					{1, []any{float64(1), true, int32(7), "hello"}},
					{2, []any{nil, false, nil, "x,y \"quoted\""}},
					{1700000000123, []any{1.5e-5, nil, int32(-12345), nil}},
					{3, []any{math.NaN(), nil, nil, "温度"}},
				},
			}
		},
		"types": func() *sliceRows {
			return &sliceRows{
				names:    []string{"i32", "i64", "f32", "f64", "b", "s"},
				withTime: true,
				data: []row{
					{0, []any{int32(math.MinInt32), int64(math.MaxInt64), float32(0.1), 0.1, true, ""}},
					{-1, []any{int32(0), int64(-1), float32(1e10), 1e7, false, "line\nbreak"}},
					{86400000, []any{int32(1), int64(0), float32(math.Inf(1)), -123456.789, nil, "<&>"}},
				},
			}
		},
		"show": func() *sliceRows {
			return &sliceRows{
				names: []string{"Database", "TTL", "SchemaReplicationFactor"},
				data: []row{
					{0, []any{"root.sg", "null", int32(1)}},
					{0, []any{"root.ln.wf01", nil, int32(3)}},
				},
			}
		},
		"empty": func() *sliceRows {
			return &sliceRows{names: []string{"root.sg.d1.s1"}, withTime: true}
		},
		"no-columns": func() *sliceRows {
			return &sliceRows{withTime: true}
		},
	}
}

func TestFormattersGolden(t *testing.T) {
	for _, format := range []string{formatTable, formatCSV, formatJSON} {
		for name, mk := range sampleResults() {
			t.Run(format+"/"+name, func(t *testing.T) {
				f, err := newFormatter(format, shanghai)
				if err != nil {
					t.Fatal(err)
				}
				rs := mk()
				var buf bytes.Buffer
				n, err := f.write(context.Background(), &buf, rs)
				if err != nil {
					t.Fatal(err)
				}
				if n != len(rs.data) {
					t.Errorf("wrote %d rows, want %d", n, len(rs.data))
				}
				checkGolden(t, "format-"+name+"."+format, buf.Bytes())
				validate(t, format, buf.Bytes())
			})
		}
	}
}

// validate parses machine-readable output with the standard decoders.
func validate(t *testing.T, format string, out []byte) {
	t.Helper()
	switch format {
	case formatCSV:
		if _, err := csv.NewReader(bytes.NewReader(out)).ReadAll(); err != nil {
			t.Errorf("invalid CSV: %v", err)
		}
	case formatJSON:
		var v []map[string]any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Errorf("invalid JSON: %v", err)
		}
	}
}

func TestTableWidthsFromSample(t *testing.T) {
	// With a sample of two rows the long third value overflows its column
	// instead of widening it.
	rs := &sliceRows{
		names: []string{"v"},
		data:  []row{{0, []any{"a"}}, {0, []any{"bb"}}, {0, []any{"cccc"}}},
	}
	f := &tableFormatter{loc: time.UTC, sampleRows: 2}
	var buf bytes.Buffer
	if _, err := f.write(context.Background(), &buf, rs); err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"+--+", "| v|", "+--+", "| a|", "|bb|", "|cccc|", "+--+", "",
	}, "\n")
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
}

func TestFormattersReportReadErrors(t *testing.T) {
	boom := errors.New("page fetch failed")
	for _, format := range []string{formatTable, formatCSV, formatJSON} {
		t.Run(format, func(t *testing.T) {
			f, _ := newFormatter(format, time.UTC)
			rs := &sliceRows{names: []string{"v"}, data: []row{{0, []any{int32(1)}}}, err: boom}
			n, err := f.write(context.Background(), &bytes.Buffer{}, rs)
			if !errors.Is(err, boom) {
				t.Errorf("err = %v, want %v", err, boom)
			}
			if n != 1 {
				t.Errorf("n = %d, want 1", n)
			}
		})
	}
}

func TestJavaFloat(t *testing.T) {
	tests := []struct {
		v    float64
		bits int
		want string
	}{
		{1, 64, "1.0"},
		{0, 64, "0.0"},
		{math.Copysign(0, -1), 64, "-0.0"},
		{0.1, 64, "0.1"},
		{float64(float32(0.1)), 32, "0.1"},
		{-2.5, 64, "-2.5"},
		{123456.789, 64, "123456.789"},
		{1e7, 64, "1.0E7"},
		{9999999, 64, "9999999.0"},
		{1.5e-5, 64, "1.5E-5"},
		{0.001, 64, "0.001"},
		{0.00099, 64, "9.9E-4"},
		{1.7976931348623157e308, 64, "1.7976931348623157E308"},
		{float64(float32(3.4028235e38)), 32, "3.4028235E38"},
		{math.NaN(), 64, "NaN"},
		{math.Inf(1), 64, "Infinity"},
		{math.Inf(-1), 32, "-Infinity"},
	}
	for _, tt := range tests {
		if got := model.FormatFloat(tt.v, tt.bits); got != tt.want {
			t.Errorf("model.FormatFloat(%v, %d) = %q, want %q", tt.v, tt.bits, got, tt.want)
		}
	}
}

func TestFormatTime(t *testing.T) {
	tests := []struct {
		ms   int64
		loc  *time.Location
		want string
	}{
		{1, shanghai, "1970-01-01T08:00:00.001+08:00"},
		{0, time.UTC, "1970-01-01T00:00:00.000Z"},
		{-1, time.FixedZone("", -5*3600-30*60), "1969-12-31T18:29:59.999-05:30"},
		{1700000000123, shanghai, "2023-11-15T06:13:20.123+08:00"},
	}
	for _, tt := range tests {
		if got := formatTime(tt.ms, tt.loc); got != tt.want {
			t.Errorf("formatTime(%d) = %q, want %q", tt.ms, got, tt.want)
		}
	}
}
