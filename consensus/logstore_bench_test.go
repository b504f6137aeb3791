package consensus

import (
	"context"
	"crypto/rand"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
)

// The store benchmarks compare raft-boltdb and raft-wal as a data region's
// log. Count their fsyncs with strace (docs/benchmarks.md, "Region logs").

// benchSizes are the payloads of a region's entries: a batch of tablets
// (one insertTablets call of a few hundred thousand points is 1-2 MB per
// region) and a single small insert.
var benchSizes = []int{200, 1 << 20, 2 << 20}

var benchStores = []LogStore{LogStoreBolt, LogStoreWAL}

func openBenchStore(tb testing.TB, dir string, kind LogStore) logStore {
	tb.Helper()
	s, _, err := openLogStore(dir, kind, 0, hclog.NewNullLogger())
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func sizeName(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%dMiB", n>>20)
	}
	return fmt.Sprintf("%dB", n)
}

func randomPayload(tb testing.TB, n int) []byte {
	tb.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return b
}

// BenchmarkLogStoreAppend appends one entry per StoreLogs call, as a
// region's leader does for each command when no other is waiting, and
// truncates the log as a region's snapshot does once it holds 64 MiB.
func BenchmarkLogStoreAppend(b *testing.B) {
	for _, kind := range benchStores {
		for _, size := range benchSizes {
			b.Run(fmt.Sprintf("%s/%s", kind, sizeName(size)), func(b *testing.B) {
				s := openBenchStore(b, b.TempDir(), kind)
				defer s.Close()
				data := randomPayload(b, size)
				truncateEvery := uint64(max(1, (64<<20)/size))
				b.SetBytes(int64(size))
				b.ResetTimer()
				for i := uint64(1); i <= uint64(b.N); i++ {
					if err := s.StoreLogs([]*raft.Log{{Index: i, Term: 1, Type: raft.LogCommand, Data: data}}); err != nil {
						b.Fatal(err)
					}
					if i%truncateEvery == 0 {
						if err := s.DeleteRange(i-truncateEvery+1, i); err != nil {
							b.Fatal(err)
						}
					}
				}
			})
		}
	}
}

// createCases are the ways a new replica's log comes to be: created on
// the spot in each store, or a raft-wal log PrepareLogStore made ahead.
var createCases = []string{string(LogStoreBolt), string(LogStoreWAL), "wal-spare"}

// forNewReplicas runs body, timed, once per iteration of each of
// createCases, on a fresh replica dir made untimed.
func forNewReplicas(b *testing.B, body func(b *testing.B, dir string, kind LogStore)) {
	for _, name := range createCases {
		kind := LogStore(strings.TrimSuffix(name, "-spare"))
		b.Run(name, func(b *testing.B) {
			root := b.TempDir()
			for i := range b.N {
				b.StopTimer()
				dir := newReplicaDir(b, root, i, name)
				b.StartTimer()
				body(b, dir, kind)
			}
		})
	}
}

// newReplicaDir makes the i-th replica dir under root for case name: a
// prepared log for a "-spare" case, an empty dir otherwise.
func newReplicaDir(b *testing.B, root string, i int, name string) string {
	b.Helper()
	dir := filepath.Join(root, fmt.Sprint(i))
	var err error
	if strings.HasSuffix(name, "-spare") {
		err = PrepareLogStore(dir, LogStore(strings.TrimSuffix(name, "-spare")))
	} else {
		err = os.Mkdir(dir, 0o755)
	}
	if err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkLogStoreCreate creates a replica's store and writes what
// bootstrapping a group writes (the configuration entry, term and vote),
// which is on the path of the first write into a new database; "spare"
// opens a store PrepareLogStore made beforehand, untimed.
func BenchmarkLogStoreCreate(b *testing.B) {
	forNewReplicas(b, func(b *testing.B, dir string, kind LogStore) {
		s := openBenchStore(b, dir, kind)
		if err := s.StoreLogs([]*raft.Log{{Index: 1, Term: 1, Type: raft.LogConfiguration, Data: make([]byte, 64)}}); err != nil {
			b.Fatal(err)
		}
		if err := s.SetUint64([]byte("CurrentTerm"), 1); err != nil {
			b.Fatal(err)
		}
		if err := s.Set([]byte("LastVoteCand"), []byte("dn1")); err != nil {
			b.Fatal(err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkLogStoreReclaim fills a store with 64 MiB of 2 MiB entries,
// truncates all but the last two, as a region's snapshot does, and fills it
// again; it reports the blocks the store holds at each step.
func BenchmarkLogStoreReclaim(b *testing.B) {
	const size, entries = 2 << 20, 32
	for _, kind := range benchStores {
		b.Run(string(kind), func(b *testing.B) {
			data := randomPayload(b, size)
			var full, truncated, refilled int64
			for range b.N {
				dir := b.TempDir()
				s := openBenchStore(b, dir, kind)
				fill := func(from uint64) {
					for i := from; i < from+entries; i++ {
						if err := s.StoreLogs([]*raft.Log{{Index: i, Term: 1, Type: raft.LogCommand, Data: data}}); err != nil {
							b.Fatal(err)
						}
					}
				}
				fill(1)
				full = allocatedBytes(b, dir)
				if err := s.DeleteRange(1, entries-2); err != nil {
					b.Fatal(err)
				}
				truncated = allocatedBytes(b, dir)
				fill(entries + 1)
				if err := s.DeleteRange(entries-1, 2*entries-2); err != nil {
					b.Fatal(err)
				}
				refilled = allocatedBytes(b, dir)
				s.Close()
			}
			b.ReportMetric(float64(full)/(1<<20), "MiB-full")
			b.ReportMetric(float64(truncated)/(1<<20), "MiB-truncated")
			b.ReportMetric(float64(refilled)/(1<<20), "MiB-refilled-truncated")
		})
	}
}

// allocatedBytes sums the blocks allocated to the files under dir.
func allocatedBytes(tb testing.TB, dir string) int64 {
	tb.Helper()
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			n += st.Blocks * 512
		} else {
			n += info.Size()
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// BenchmarkGroupFirstApply opens a new sole-voter group as a standalone
// server opens a new region, and times it until its first command is
// applied: the group's share of the first write into a new database.
func BenchmarkGroupFirstApply(b *testing.B) {
	ctx := context.Background()
	forNewReplicas(b, func(b *testing.B, dir string, kind LogStore) {
		g, err := Open(Config{Name: "bench", ID: "n1", Dir: dir, LogStore: kind, SoleVoter: true, LogCacheSize: 32},
			&listFSM{}, slog.New(slog.DiscardHandler), nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := g.WaitLeader(ctx); err != nil {
			b.Fatal(err)
		}
		if err := g.Barrier(ctx); err != nil {
			b.Fatal(err)
		}
		if _, err := g.Apply(ctx, []byte("x")); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		g.Close()
		b.StartTimer()
	})
}
