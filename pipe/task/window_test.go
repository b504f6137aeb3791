package task

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe"
)

// TestWindowFrontier sends many batches (and skips) through a window whose
// transfers complete concurrently, and checks the frontier reports: never
// backwards, never past an unacknowledged batch, ending at the last index.
func TestWindowFrontier(t *testing.T) {
	tests := []struct {
		name     string
		inFlight int
		skipEach uint64 // every skipEach-th index needs no transfer
	}{
		{name: "sync", inFlight: 1, skipEach: 3},
		{name: "async", inFlight: 8},
		{name: "async with skips", inFlight: 16, skipEach: 2},
		{name: "wide", inFlight: 64, skipEach: 5},
	}
	const n = 2000
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var acked sync.Map // index -> true
			s := &fakeSink{inFlight: tc.inFlight, script: func(_ context.Context, _ int, b *pipe.Batch, ack func()) error {
				ack()
				acked.Store(uint64(b.Tablets[0].Times[0]), true)
				return nil
			}}
			tk := New(Config{Pipe: "p", Region: newRegion(), Sink: s, Filter: newFilter("root")},
				Callbacks{Sent: func(int, int) {}, Error: func(error, bool) {}}, slog.New(slog.DiscardHandler))
			skipped := func(i uint64) bool { return tc.skipEach > 0 && i%tc.skipEach == 0 }

			var mu sync.Mutex
			var reports []uint64
			ctx, cancel := context.WithCancel(context.Background())
			w := newWindow(tk, cancel, func(f uint64, _ time.Time) {
				mu.Lock()
				defer mu.Unlock()
				from := uint64(1)
				if k := len(reports); k > 0 {
					if f < reports[k-1] {
						t.Errorf("frontier %d reported after %d", f, reports[k-1])
					}
					from = reports[k-1] + 1
				}
				for i := from; i <= f; i++ {
					if _, ok := acked.Load(i); !ok && !skipped(i) {
						t.Errorf("frontier %d passed unacknowledged batch %d", f, i)
						break
					}
				}
				reports = append(reports, f)
			})
			defer w.stop()
			for i := uint64(1); i <= n; i++ {
				if skipped(i) {
					w.skip(i, time.Time{})
					continue
				}
				b := &pipe.Batch{Origin: "A", Tablets: []*model.Tablet{tablet("root.sg.d", []int64{int64(i)}, col{"s", model.Int64, []any{int64(i)}})}}
				if err := w.send(ctx, b, i, time.Time{}); err != nil {
					t.Fatalf("send %d: %v", i, err)
				}
			}
			if err := w.drain(ctx); err != nil {
				t.Fatalf("drain: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(reports) == 0 || reports[len(reports)-1] != n {
				t.Errorf("last frontier reported %v, want %d", reports[max(0, len(reports)-1):], n)
			}
		})
	}
}
