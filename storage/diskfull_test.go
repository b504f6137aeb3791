package storage

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"sync/atomic"
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/storage/diskspace"
)

// Below the floor of free space, flushes and metadata writes fail with
// ErrDiskFull and write nothing; the points stay readable from memory and
// flush once space returns, with no restart.
func TestDiskFullRefusesThenRecovers(t *testing.T) {
	var free atomic.Uint64
	free.Store(1 << 30)
	e := openEngine(t, Config{MinFreeBytes: 16 << 20, TestingKnobs: TestingKnobs{
		Stat: func(string) (diskspace.Usage, error) { return diskspace.Usage{Total: 2 << 30, Free: free.Load()}, nil }}})
	r := openRegion(t, e, 1)
	r.Write(1, []SeriesWrite{{ID: 1, Times: []int64{1, 2}, Values: column(model.Int64, int64(10), int64(20))}})

	free.Store(16<<20 + 100)
	if err := r.Flush(); !errors.Is(err, ErrDiskFull) {
		t.Fatalf("flush on a full disk: %v, want ErrDiskFull", err)
	}
	if err := r.PutMeta([]byte("k"), []byte("v")); !errors.Is(err, ErrDiskFull) {
		t.Fatalf("PutMeta on a full disk: %v, want ErrDiskFull", err)
	}
	if r.DurableIndex() != 0 {
		t.Fatalf("durable index %d after a refused flush", r.DurableIndex())
	}
	v := r.View()
	got := scanAll(t, v, 1, model.Int64, minTime, maxTime, 10)
	v.Close()
	if want := []point{{1, int64(10)}, {2, int64(20)}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("read while full: %v, want %v", got, want)
	}

	free.Store(1 << 30)
	if err := r.Flush(); err != nil {
		t.Fatalf("flush after space returned: %v", err)
	}
	if r.DurableIndex() != 1 {
		t.Fatalf("durable index %d, want 1", r.DurableIndex())
	}
	if err := r.PutMeta([]byte("k"), []byte("v")); err != nil {
		t.Fatal(err)
	}
}

// A snapshot import on a disk under the floor fails with ErrDiskFull and
// leaves the region empty, not half imported; with space it succeeds.
func TestImportOnFullDisk(t *testing.T) {
	src := openRegion(t, openEngine(t, Config{}), 1)
	src.Write(3, []SeriesWrite{{ID: 1, Times: []int64{1, 2}, Values: column(model.Int64, int64(10), int64(20))}})
	if err := src.Flush(); err != nil {
		t.Fatal(err)
	}
	var stream bytes.Buffer
	exp, err := src.Export(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(&stream, exp); err != nil {
		t.Fatal(err)
	}
	exp.Close()

	var free atomic.Uint64
	dst := openRegion(t, openEngine(t, Config{MinFreeBytes: 16 << 20, TestingKnobs: TestingKnobs{
		Stat: func(string) (diskspace.Usage, error) { return diskspace.Usage{Total: 1 << 30, Free: free.Load()}, nil }}}), 1)
	if err := dst.Import(bytes.NewReader(stream.Bytes())); !errors.Is(err, ErrDiskFull) {
		t.Fatalf("import on a full disk: %v, want ErrDiskFull", err)
	}
	if dst.DurableIndex() != 0 {
		t.Fatalf("durable index %d after a refused import", dst.DurableIndex())
	}
	free.Store(1 << 30)
	if err := dst.Import(bytes.NewReader(stream.Bytes())); err != nil {
		t.Fatal(err)
	}
	v := dst.View()
	defer v.Close()
	if got := scanAll(t, v, 1, model.Int64, minTime, maxTime, 10); !reflect.DeepEqual(got, []point{{1, int64(10)}, {2, int64(20)}}) {
		t.Fatalf("imported %v", got)
	}
}
