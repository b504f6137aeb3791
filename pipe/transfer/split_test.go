package transfer

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/model"
)

// Every group Split makes decodes within the limit it was split for, and
// the groups hold the original rows in order.
func TestSplit(t *testing.T) {
	var tablets []*model.Tablet
	for d := range 5 {
		tb := &model.Tablet{Device: model.Path{"root", "sg", fmt.Sprintf("d%d", d)}, Measurements: []string{"t", "n"},
			Columns: []model.Column{model.NewColumn(model.Text, 0), model.NewColumn(model.Int64, 0)}}
		for i := range 400 * (d + 1) {
			tb.Times = append(tb.Times, int64(i))
			tb.Columns[0].Append(strings.Repeat("v", i%300))
			if i%3 == 0 {
				tb.Columns[1].Append(nil)
			} else {
				tb.Columns[1].Append(int64(i))
			}
		}
		tablets = append(tablets, tb)
	}
	whole := len(appendTablets(nil, tablets))
	for _, max := range []int{whole * 4, whole / 3, 64 << 10, 4 << 10} {
		parts := Split(tablets, max)
		if max > whole*3 && len(parts) != 1 {
			t.Fatalf("limit %d over the %d-byte payload: %d groups, want 1", max, whole, len(parts))
		}
		var rows []string
		for _, p := range parts {
			got, err := DecodeTabletsWithin(EncodeTablets(Tablets{Tablets: p}), max)
			if err != nil {
				t.Fatalf("limit %d: a group of %d tablets does not decode within it: %v", max, len(p), err)
			}
			for _, tb := range got.Tablets {
				for i, ts := range tb.Times {
					rows = append(rows, fmt.Sprintf("%s@%d=%v,%v", tb.Device, ts, tb.Columns[0].Value(i), tb.Columns[1].Value(i)))
				}
			}
		}
		var want []string
		for _, tb := range tablets {
			for i, ts := range tb.Times {
				want = append(want, fmt.Sprintf("%s@%d=%v,%v", tb.Device, ts, tb.Columns[0].Value(i), tb.Columns[1].Value(i)))
			}
		}
		if strings.Join(rows, "\n") != strings.Join(want, "\n") {
			t.Fatalf("limit %d: the %d groups do not hold the %d rows in order", max, len(parts), len(want))
		}
		t.Logf("limit %d: %d groups for a %d-byte payload", max, len(parts), whole)
	}
	// A row larger than the limit stays whole, for the receiver to refuse.
	big := &model.Tablet{Device: model.Path{"root", "d"}, Measurements: []string{"t"}, Times: []int64{1}, Columns: []model.Column{model.NewColumn(model.Text, 1)}}
	big.Columns[0].Append(strings.Repeat("x", 8<<10))
	parts := Split([]*model.Tablet{big}, 4<<10)
	if len(parts) != 1 {
		t.Fatalf("%d groups for one row", len(parts))
	}
	if _, err := DecodeTabletsWithin(EncodeTablets(Tablets{Tablets: parts[0]}), 4<<10); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversize row: %v, want ErrTooLarge", err)
	}
}

func TestPayloadBound(t *testing.T) {
	tablets := Tablets{Token: "t", Tablets: sampleTablets()}
	payload := len(appendTablets(nil, tablets.Tablets))
	for _, tt := range []struct {
		name string
		body []byte
		max  int
		want int
	}{
		{"sized", EncodeTablets(tablets), 1 << 20, payload},
		{"sized over max", EncodeTablets(tablets), 10, 10},
		{"uncompressed", encodeTablets(tablets, compressNone), 1 << 20, payload},
		{"unsized", encodeTablets(tablets, compressZstd), 1 << 20, 1 << 20},
		{"garbage", []byte{7}, 1 << 20, 0},
	} {
		if got := PayloadBound(tt.body, tt.max); got != tt.want {
			t.Errorf("%s: PayloadBound = %d, want %d", tt.name, got, tt.want)
		}
	}
}
