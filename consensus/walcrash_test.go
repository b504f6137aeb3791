package consensus

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
)

// walChurnEnv makes the test binary the child of TestWALKilledAtAnyInstant:
// "dir seed".
const walChurnEnv = "SLUICE_TEST_WAL_CHURN"

// walChurnSegment is the segment size of the churned WAL: a few entries
// fill one, so that kills land in segment switches and truncations.
const walChurnSegment = 4 << 10

// walChurn appends, drops suffixes and compacts the WAL in dir until
// killed, telling stdout what it did: "A index term size" once an
// append returned, "D min max" before a deletion and "E" once it returned.
func walChurn(dir string, seed uint64) {
	w, err := openWAL(dir, walChurnSegment, hclog.NewNullLogger())
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	rng := rand.New(rand.NewPCG(seed, seed))
	out := bufio.NewWriter(os.Stdout)
	say := func(format string, args ...any) {
		fmt.Fprintf(out, format+"\n", args...)
		out.Flush()
	}
	fail := func(op string, err error) {
		say("%s: %v", op, err)
		os.Exit(2)
	}
	term := seed<<20 + 1
	for {
		first, _ := w.FirstIndex()
		last, _ := w.LastIndex()
		switch r := rng.IntN(10); {
		case r < 6 || last < first+8:
			l := termEntry(max(last+1, first), term)
			l.Data = l.Data[:100+rng.IntN(walTestEntry-100)]
			if err := w.StoreLogs([]*raft.Log{l}); err != nil {
				fail("append", err)
			}
			say("A %d %d %d", l.Index, term, len(l.Data))
		case r < 9: // a follower's conflicting suffix
			min := max(first+1, last-rng.Uint64N(6))
			say("D %d %d", min, last)
			if err := w.DeleteRange(min, last); err != nil {
				fail("delete suffix", err)
			}
			say("E")
			term++
		default: // a compaction, now and then of the whole log
			upTo := first + rng.Uint64N(last-first+1)
			say("D %d %d", first, upTo)
			if err := w.DeleteRange(first, upTo); err != nil {
				fail("compact", err)
			}
			say("E")
		}
	}
}

// walModel is what the churning child acknowledged: entry index -> term
// and size, and the deletion under way when it died.
type walModel struct {
	acked    map[uint64][2]uint64
	pendLo   uint64
	pendHi   uint64
	inFlight bool
}

func (m *walModel) apply(t *testing.T, line string) {
	t.Helper()
	f := strings.Fields(line)
	num := func(i int) uint64 {
		if len(f) <= i {
			t.Fatalf("child: %q", line)
		}
		v, err := strconv.ParseUint(f[i], 10, 64)
		if err != nil {
			t.Fatalf("child: %q", line)
		}
		return v
	}
	switch f[0] {
	case "A":
		m.acked[num(1)] = [2]uint64{num(2), num(3)}
	case "D":
		m.pendLo, m.pendHi, m.inFlight = num(1), num(2), true
	case "E":
		for i := range m.acked {
			if i >= m.pendLo && i <= m.pendHi {
				delete(m.acked, i)
			}
		}
		m.inFlight = false
	default:
		t.Fatalf("child: %q", line)
	}
}

// A WAL killed (SIGKILL) at any instant of appends, suffix deletions and
// compactions opens again, reads whole, and holds every entry it
// acknowledged and had not begun to delete. raft-wal alone, killed
// between a segment's seal and the record of the switch to the next,
// reopens refusing every append (see repairWAL).
func TestWALKilledAtAnyInstant(t *testing.T) {
	if env := os.Getenv(walChurnEnv); env != "" {
		dir, seed, _ := strings.Cut(env, " ")
		s, _ := strconv.ParseUint(seed, 10, 64)
		walChurn(dir, s)
		return
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	m := &walModel{acked: map[uint64][2]uint64{}}
	for round := range 100 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestWALKilledAtAnyInstant$")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %d", walChurnEnv, dir, round))
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan []string)
		go func() {
			var ls []string
			for sc := bufio.NewScanner(stdout); sc.Scan(); {
				ls = append(ls, sc.Text())
			}
			lines <- ls
		}()
		time.Sleep(time.Duration(10+rng.IntN(60)) * time.Millisecond)
		cmd.Process.Kill()
		for _, l := range <-lines {
			m.apply(t, l)
		}
		cmd.Wait()

		w, err := openWAL(dir, walChurnSegment, hclog.NewNullLogger())
		if err != nil {
			t.Fatalf("round %d: reopen after SIGKILL: %v", round, err)
		}
		got := readWhole(t, w)
		for i, want := range m.acked {
			if m.inFlight && i >= m.pendLo && i <= m.pendHi {
				continue // deleted or not
			}
			if got[i] != want {
				t.Fatalf("round %d: acknowledged entry %d (term %d, %d bytes) reads as %v", round, i, want[0], want[1], got[i])
			}
		}
		// The deletion and the append under way went either way: go on
		// from what the log holds.
		m.acked, m.inFlight = got, false
		closeWAL(t, w)
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("round %d: the child ended before it was killed: %v", round, cmd.ProcessState)
		}
	}
}

// readWhole reads every entry of w: index -> term and size.
func readWhole(t *testing.T, w raft.LogStore) map[uint64][2]uint64 {
	t.Helper()
	first, err := w.FirstIndex()
	if err != nil {
		t.Fatal(err)
	}
	last, err := w.LastIndex()
	if err != nil {
		t.Fatal(err)
	}
	got := make(map[uint64][2]uint64)
	for i := first; first > 0 && i <= last; i++ {
		var l raft.Log
		if err := w.GetLog(i, &l); err != nil || l.Index != i {
			t.Fatalf("entry %d of [%d, %d]: %v (reads as %d)", i, first, last, err, l.Index)
		}
		got[i] = [2]uint64{l.Term, uint64(len(l.Data))}
	}
	return got
}
