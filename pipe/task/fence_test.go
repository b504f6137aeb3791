package task

import (
	"context"
	"testing"

	"github.com/sluicedb/sluice/pipe"
)

// A deposed leader's task sends nothing more and ends without failing its
// pipe, whether it notices while tailing the log or while retrying.
func TestDeposedLeaderStopsSending(t *testing.T) {
	t.Run("tailing", func(t *testing.T) {
		r, s, rec := newRegion(), &fakeSink{inFlight: 1}, newRecorder(t)
		r.writes(4)
		run := start(t, defaultConfig(r, s, newFilter("root.sg")), rec)
		r.writes(4)
		eventually(t, "frontier at 8", func() bool { return rec.last().HistoryDone && rec.last().Index == 8 })
		sent := len(s.attempted())
		r.depose()
		r.writes(4)
		if err := run.wait(); err != nil {
			t.Fatalf("Run = %v, want nil: a moved leadership is not the pipe's failure", err)
		}
		if got := len(s.attempted()); got != sent {
			t.Errorf("%d transfers attempted after the replica was deposed", got-sent)
		}
		if _, fatal := rec.errors(); len(fatal) > 0 {
			t.Errorf("fatal errors reported: %v", fatal)
		}
		if last := rec.last(); last.Index != 8 {
			t.Errorf("frontier %d, want 8: nothing past the deposition is acknowledged", last.Index)
		}
	})
	t.Run("retrying", func(t *testing.T) {
		r, rec := newRegion(), newRecorder(t)
		s := &fakeSink{inFlight: 1, script: func(_ context.Context, call int, _ *pipe.Batch, _ func()) error {
			if call == 3 {
				r.depose() // lost the lead while the receiver was failing
			}
			return errReset
		}}
		r.writes(4)
		run := start(t, defaultConfig(r, s, newFilter("root.sg")), rec)
		if err := run.wait(); err != nil {
			t.Fatalf("Run = %v, want nil", err)
		}
		if got := len(s.attempted()); got != 3 {
			t.Errorf("%d transfers attempted, want 3: none after the deposition", got)
		}
	})
}
