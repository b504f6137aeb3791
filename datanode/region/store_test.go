package region

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/storage"
	"github.com/sluicedb/sluice/storage/diskspace"
)

// An applied entry whose schema cannot be persisted for lack of disk space
// waits for space instead of stopping the replica, and completes once
// space is freed.
func TestApplyWaitsForDiskSpace(t *testing.T) {
	var free atomic.Uint64 // starts full
	f := openFSMOnDisk(t, &free, 0)
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

// A write whose points wait in storage (the memtable full and the flush
// before it waiting for disk space) holds up neither reads of the schema
// nor the check of the next write: only its storage append waits.
func TestSchemaReadsDoNotWaitForAWritesAppend(t *testing.T) {
	var free atomic.Uint64
	free.Store(1 << 30)
	f := openFSMOnDisk(t, &free, 1<<10)
	device := model.Path{"root", "sg", "d"}
	rows := func(index uint64) (*raft.Log, *model.Tablet) {
		tb := &model.Tablet{Device: device, Measurements: []string{"s"}, Columns: []model.Column{{Type: model.Int64}}}
		for i := range int64(200) {
			ts := int64(index)*1000 + i
			tb.Times = append(tb.Times, ts)
			tb.Columns[0].Int64s = append(tb.Columns[0].Int64s, ts)
		}
		return &raft.Log{Index: index, Type: raft.LogCommand,
			Data: WriteCommand([]*model.Tablet{tb}, WriteOptions{Database: "root.sg", AutoCreate: true})}, tb
	}
	if resp := f.Apply(writeEntry(1, 1)); resp != nil { // creates the series
		t.Fatalf("apply 1: %v", resp)
	}
	free.Store(0)
	second, _ := rows(2)
	if resp := f.Apply(second); resp != nil { // fills the memtable: frozen, its flush refused
		t.Fatalf("apply 2: %v", resp)
	}
	third, tb := rows(3)
	done := make(chan any, 1)
	go func() { done <- f.Apply(third) }()
	select {
	case resp := <-done:
		t.Fatalf("apply 3 returned %v: it should wait for the frozen memtable's flush", resp)
	case <-time.After(300 * time.Millisecond):
	}
	read := make(chan error, 1)
	go func() {
		if got := f.Match(device.Append("s")); len(got) != 1 {
			read <- fmt.Errorf("match: %v", got)
			return
		}
		read <- f.Check(tb, true)
	}()
	select {
	case err := <-read:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Match and Check waited for the storage append of the write before them")
	}
	free.Store(1 << 30)
	select {
	case resp := <-done:
		if resp != nil {
			t.Fatalf("apply 3: %v", resp)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("apply 3 still waiting after space returned")
	}
}

// openFSMOnDisk opens region 1 of an engine whose disk of 1 GiB has free
// bytes free, with memtables of memtableBytes (0: the default); the engine
// closes with the test.
func openFSMOnDisk(t *testing.T, free *atomic.Uint64, memtableBytes int64) *FSM {
	t.Helper()
	f, eng, _ := openFSMWith(t, storage.Config{Dir: t.TempDir(), MemtableBytes: memtableBytes, TestingKnobs: storage.TestingKnobs{
		Stat: func(string) (diskspace.Usage, error) { return diskspace.Usage{Total: 1 << 30, Free: free.Load()}, nil },
	}})
	t.Cleanup(func() { eng.Close() })
	return f
}
