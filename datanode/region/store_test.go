package region

import (
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/storage"
	"github.com/sluicedb/sluice/storage/diskspace"
)

// An applied entry whose schema cannot be persisted for lack of disk space
// waits for space instead of stopping the replica, and completes once
// space is freed.
func TestApplyWaitsForDiskSpace(t *testing.T) {
	var free atomic.Uint64 // starts full
	eng, err := storage.Open(storage.Config{Dir: t.TempDir(), TestingKnobs: storage.TestingKnobs{
		Stat: func(string) (diskspace.Usage, error) { return diskspace.Usage{Total: 1 << 30, Free: free.Load()}, nil },
	}}, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	st, err := eng.Region(1)
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewFSM(1, st, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan any)
	go func() { done <- f.Apply(writeEntry(1, 5)) }()
	select {
	case resp := <-done:
		t.Fatalf("apply returned %v on a full disk", resp)
	case <-time.After(300 * time.Millisecond):
	}
	free.Store(1 << 30)
	select {
	case resp := <-done:
		if resp != nil {
			t.Fatalf("apply: %v", resp)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("apply still waiting after space returned")
	}
	if got := f.Match(model.Path{"root", "sg", "d", "s"}); len(got) != 1 {
		t.Fatalf("series after apply: %v", got)
	}
}
