package agent

import (
	"context"
	"testing"
	"time"

	"github.com/sluicedb/sluice/pipe"
)

type batchingSink struct {
	pipe.Sink
	b pipe.Batching
}

func (s batchingSink) Batching() pipe.Batching { return s.b }

// TestDrainablePassesBatching: the wrapper the agent gives a task keeps the
// sink's batch parameters visible, or the task would never batch.
func TestDrainablePassesBatching(t *testing.T) {
	want := pipe.Batching{Enabled: true, MaxDelay: 5 * time.Second, SizeBytes: 1 << 20}
	var s pipe.Sink = drainable{batchingSink{b: want}, context.Background()}
	b, ok := s.(pipe.Batcher)
	if !ok || b.Batching() != want {
		t.Fatalf("drainable hides the sink's batching (ok %v)", ok)
	}
	if got := (drainable{Sink: nil, inFlight: context.Background()}).Batching(); got != (pipe.Batching{}) {
		t.Fatalf("a sink without batching: %+v", got)
	}
}
