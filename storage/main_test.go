package storage

import (
	"log/slog"
	"math"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"

	"github.com/sluicedb/sluice/model"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// openEngine opens an engine in dir (a fresh temp dir if empty) and closes
// it at the end of the test.
func openEngine(t testing.TB, cfg Config) *Engine {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	e, err := Open(cfg, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

func openRegion(t testing.TB, e *Engine, id uint32) *Region {
	t.Helper()
	r, err := e.Region(id)
	if err != nil {
		t.Fatalf("region %d: %v", id, err)
	}
	return r
}

// point is one expected point of a scan.
type point struct {
	t int64
	v any
}

// scanAll reads a whole scan in batches of batch points.
func scanAll(t testing.TB, v *View, id uint64, typ model.DataType, minT, maxT int64, batch int) []point {
	t.Helper()
	it := v.Scan(id, typ, minT, maxT)
	defer it.Close()
	var out []point
	for {
		times, col, err := it.Next(batch)
		if err != nil {
			t.Fatalf("scan series %d: %v", id, err)
		}
		if len(times) == 0 {
			return out
		}
		if col.Len() != len(times) {
			t.Fatalf("scan returned %d times and %d values", len(times), col.Len())
		}
		for i, ts := range times {
			out = append(out, point{ts, col.Value(i)})
		}
	}
}

// column builds a column of typ from generic values (nil is a null).
func column(typ model.DataType, vals ...any) model.Column {
	c := model.NewColumn(typ, len(vals))
	for _, v := range vals {
		c.Append(v)
	}
	return c
}

// valueFor is a deterministic value of typ for integer i.
func valueFor(typ model.DataType, i int64) any {
	switch typ {
	case model.Boolean:
		return i%3 == 0
	case model.Int32:
		return int32(i*7 - 100)
	case model.Int64:
		return i * 1_000_003
	case model.Float:
		return float32(i) / 4
	case model.Double:
		return float64(i)/100 + 20
	default:
		return "s" + string(rune('a'+i%26))
	}
}

var allTypes = []model.DataType{model.Boolean, model.Int32, model.Int64, model.Float, model.Double, model.Text}

const (
	minTime = math.MinInt64
	maxTime = math.MaxInt64
)
