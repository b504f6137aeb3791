package task

import (
	"reflect"
	"testing"

	"github.com/sluicedb/sluice/model"
)

func TestBuilderAddTablet(t *testing.T) {
	// Three measurements with nulls; rows at 10, 20, 30, 40.
	in := func() *model.Tablet {
		return tablet("root.sg.d1", []int64{10, 20, 30, 40},
			col{"a", model.Int64, []any{int64(1), nil, int64(3), int64(4)}},
			col{"b", model.Text, []any{"x", "y", nil, nil}},
			col{"c", model.Boolean, []any{nil, true, false, nil}})
	}
	tests := []struct {
		name   string
		filter *fakeFilter
		want   *model.Tablet // nil: nothing added
		same   bool          // the input tablet itself is added
	}{
		{name: "everything", filter: newFilter("root.sg"), same: true},
		{name: "other device", filter: newFilter("root.sg.d2")},
		{name: "device above the pattern", filter: newFilter("root.sg.d1.zz")},
		{name: "columns", filter: newFilter("root.sg.d1.b"),
			want: tablet("root.sg.d1", []int64{10, 20, 30, 40}, col{"b", model.Text, []any{"x", "y", nil, nil}})},
		{name: "rows", filter: &fakeFilter{prefix: model.Path{"root", "sg"}, rt: [2]int64{20, 30}},
			want: tablet("root.sg.d1", []int64{20, 30},
				col{"a", model.Int64, []any{nil, int64(3)}},
				col{"b", model.Text, []any{"y", nil}},
				col{"c", model.Boolean, []any{true, false}})},
		// A row whose selected values are all null is kept: it costs no point.
		{name: "rows and columns", filter: &fakeFilter{prefix: model.Path{"root", "sg", "d1", "c"}, rt: [2]int64{35, 100}},
			want: tablet("root.sg.d1", []int64{40}, col{"c", model.Boolean, []any{nil}})},
		{name: "no row in range", filter: &fakeFilter{prefix: model.Path{"root", "sg"}, rt: [2]int64{41, 100}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBuilder(100, nil)
			src := in()
			b.addTablet(src, tc.filter)
			got := b.take()
			switch {
			case tc.same:
				if len(got) != 1 || got[0] != src {
					t.Fatalf("got %v, want the input tablet unchanged", got)
				}
			case tc.want == nil:
				if len(got) != 0 {
					t.Fatalf("got %+v, want nothing", got[0])
				}
			default:
				if len(got) != 1 || !sameRows(got[0], tc.want) {
					t.Fatalf("got %+v, want %+v", got, tc.want)
				}
				if err := got[0].Validate(); err != nil {
					t.Fatalf("built tablet invalid: %v", err)
				}
			}
			if !reflect.DeepEqual(src, in()) {
				t.Errorf("input tablet modified: %+v", src)
			}
		})
	}
}

func TestBuilderAddSeries(t *testing.T) {
	series := model.Series{Path: model.Path{"root", "sg", "d1", "s"}, Type: model.Double, Aligned: true}
	column := func(vals ...any) *model.Column {
		c := model.NewColumn(model.Double, len(vals))
		for _, v := range vals {
			c.Append(v)
		}
		return &c
	}
	tests := []struct {
		name  string
		times []int64
		vals  *model.Column
		lo    int64
		want  *model.Tablet // nil: nothing added
	}{
		{name: "all", times: []int64{1, 2}, vals: column(1.0, 2.0), lo: 0,
			want: &model.Tablet{Device: model.Path{"root", "sg", "d1"}, Aligned: true, Measurements: []string{"s"},
				Times: []int64{1, 2}, Columns: []model.Column{*column(1.0, 2.0)}}},
		{name: "nulls and out of range skipped", times: []int64{1, 2, 3, 4, 5}, vals: column(1.0, 2.0, nil, 4.0, nil), lo: 2,
			want: &model.Tablet{Device: model.Path{"root", "sg", "d1"}, Aligned: true, Measurements: []string{"s"},
				Times: []int64{2, 4}, Columns: []model.Column{*column(2.0, 4.0)}}},
		{name: "only nulls", times: []int64{3, 4}, vals: column(nil, nil), lo: 0},
		{name: "only out of range", times: []int64{0, 1}, vals: column(0.5, 1.5), lo: 2},
		{name: "empty", lo: 0, vals: column()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBuilder(2, nil)
			b.addSeries(series, tc.times, tc.vals, func(ts int64) bool { return ts >= tc.lo })
			if tc.want == nil {
				if b.points != 0 || len(b.tablets) != 0 || b.full() {
					t.Fatalf("added %d points (%v), want none", b.points, b.tablets)
				}
				return
			}
			if b.points != tc.want.Points() || !b.full() {
				t.Errorf("builder has %d points (full %v), want %d", b.points, b.full(), tc.want.Points())
			}
			// The iterator's buffers are reused after addSeries returns.
			for i := range tc.times {
				tc.times[i] = -1
			}
			for i := range tc.vals.Float64s {
				tc.vals.Float64s[i] = -1
			}
			got := b.take()
			if len(got) != 1 || !reflect.DeepEqual(got[0], tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			if b.points != 0 || len(b.take()) != 0 {
				t.Errorf("take left the builder non-empty")
			}
		})
	}
}

func TestBuilderFull(t *testing.T) {
	b := newBuilder(7, nil)
	tb := tablet("root.sg.d1", []int64{1, 2}, col{"a", model.Int32, []any{int32(1), nil}}, col{"b", model.Float, []any{float32(1), float32(2)}})
	f := newFilter("root.sg")
	for i, want := range []bool{false, false, true} {
		b.addTablet(tb, f)
		if b.full() != want {
			t.Fatalf("after %d tablets of 3 points, full = %v, want %v", i+1, b.full(), want)
		}
	}
	if b.points != 9 {
		t.Errorf("points = %d, want 9 (nulls not counted)", b.points)
	}
}

// sameRows compares tablets by content: device, alignment, measurements,
// times, and each cell's value or null.
func sameRows(a, b *model.Tablet) bool {
	if a.Device.String() != b.Device.String() || a.Aligned != b.Aligned ||
		!reflect.DeepEqual(a.Measurements, b.Measurements) || !reflect.DeepEqual(a.Times, b.Times) || len(a.Columns) != len(b.Columns) {
		return false
	}
	for c := range a.Columns {
		if a.Columns[c].Type != b.Columns[c].Type || a.Columns[c].Len() != b.Columns[c].Len() {
			return false
		}
		for r := 0; r < a.Columns[c].Len(); r++ {
			if a.Columns[c].Value(r) != b.Columns[c].Value(r) {
				return false
			}
		}
	}
	return true
}
