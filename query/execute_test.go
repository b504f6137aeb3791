package query

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/status"
)

type queryCase struct {
	name    string
	q       *qb
	cols    []string
	types   []model.DataType // checked when set
	noTime  bool             // result without a Time column
	rows    []string
	errCode status.Code // expected error code; rows and cols are ignored
	errText string      // a substring of the expected error
}

var (
	i32 = model.Int32
	i64 = model.Int64
	f32 = model.Float
	f64 = model.Double
	txt = model.Text
	bln = model.Boolean
)

// testOpts fixes the session for reproducible results.
var testOpts = Options{Zone: time.UTC, Now: time.UnixMilli(4)}

func runCases(t *testing.T, cases []queryCase) {
	t.Helper()
	runCasesOn(t, testStore, cases)
}

// runCasesOn runs cases against a fresh store from newStore each.
func runCasesOn(t *testing.T, newStore func() *fakeStore, cases []queryCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Small batches make every result span several Next calls.
			for _, max := range []int{1, 2, 1000} {
				res, err := Execute(context.Background(), newStore(), tc.q.s, testOpts)
				if tc.errCode != 0 {
					if err == nil {
						t.Fatalf("want error %d, got none", tc.errCode)
					}
					if got := status.CodeOf(err); got != tc.errCode {
						t.Fatalf("error code %d, want %d: %v", got, tc.errCode, err)
					}
					if !strings.Contains(err.Error(), tc.errText) {
						t.Fatalf("error %q does not mention %q", err, tc.errText)
					}
					return
				}
				if err != nil {
					t.Fatalf("Execute: %v", err)
				}
				if res.HasTime == tc.noTime {
					t.Errorf("HasTime = %v", res.HasTime)
				}
				if !slices.Equal(res.Columns, tc.cols) {
					t.Fatalf("columns\n got %q\nwant %q", res.Columns, tc.cols)
				}
				if tc.types != nil && !slices.Equal(res.Types, tc.types) {
					t.Fatalf("types %v, want %v", res.Types, tc.types)
				}
				rows := collect(t, res, max)
				if !slices.Equal(rows, tc.rows) {
					t.Fatalf("max %d: rows\n got %q\nwant %q", max, rows, tc.rows)
				}
			}
		})
	}
}

// TestStreaming reads a long series in small batches both ways, and checks
// that time conditions reach the store as scan ranges and that a DESC LIMIT
// query reads only the newest data.
func TestStreaming(t *testing.T) {
	const n = 20000
	st := newFakeStore()
	for i := range n {
		st.add("root.s.d.a", model.Int64, int64(i*10), int64(i))
		if i%3 == 0 {
			st.add("root.s.d.b", model.Int32, int64(i*10+5), int32(i))
		}
	}
	for _, desc := range []bool{false, true} {
		q := sel(col("a"), col("b")).from("root.s.d")
		if desc {
			q.desc()
		}
		res, err := Execute(context.Background(), st, q.s, testOpts)
		if err != nil {
			t.Fatal(err)
		}
		rows := collect(t, res, 999)
		if want := n + (n+2)/3; len(rows) != want {
			t.Fatalf("desc %v: %d rows, want %d", desc, len(rows), want)
		}
		first, last := "0|0|null", "199990|19999|null"
		if desc {
			first, last = last, first
		}
		if rows[0] != first || rows[len(rows)-1] != last {
			t.Fatalf("desc %v: rows from %q to %q", desc, rows[0], rows[len(rows)-1])
		}
	}

	st.scans = nil
	q := sel(col("a")).from("root.s.d").where(and(bin(timeCol(), ">=", num(100)), bin(timeCol(), "<", num(200))))
	res, err := Execute(context.Background(), st, q.s, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if rows := collect(t, res, 4); len(rows) != 10 {
		t.Fatalf("%d rows", len(rows))
	}
	if !slices.Equal(st.scans, []string{"root.s.d.a [100, 199]"}) {
		t.Fatalf("scans %q", st.scans)
	}

	st.scans = nil
	res, err = Execute(context.Background(), st, sel(col("a")).from("root.s.d").desc().limit(3, 0).s, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if rows := collect(t, res, 100); !slices.Equal(rows, []string{"199990|19999", "199980|19998", "199970|19997"}) {
		t.Fatalf("rows %q", rows)
	}
	if len(st.scans) != 1 || st.scans[0] == "root.s.d.a "+fullRange {
		t.Fatalf("DESC LIMIT scanned %q", st.scans)
	}
}

func TestMaxSeries(t *testing.T) {
	opts := testOpts
	opts.MaxSeries = 2
	_, err := Execute(context.Background(), testStore(), sel(col("*")).from("root.sg.d1").s, opts)
	if status.CodeOf(err) != status.QueryProcessError {
		t.Fatalf("err = %v", err)
	}
}

func TestExecuteStoreError(t *testing.T) {
	st := &failingStore{fakeStore: testStore()}
	res, err := Execute(context.Background(), st, sel(col("s1")).from("root.sg.d1").s, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Rows.Close()
	if _, err := res.Rows.Next(context.Background(), 10); !errors.Is(err, errDisk) {
		t.Fatalf("err = %v", err)
	}
}

var errDisk = errors.New("disk on fire")

type failingStore struct{ *fakeStore }

func (f *failingStore) Scan(context.Context, model.Series, int64, int64) (SeriesIterator, error) {
	return nil, errDisk
}

func TestCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	res, err := Execute(ctx, testStore(), sel(col("s1")).from("root.sg.d1").s, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := res.Rows.Next(ctx, 10); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}
