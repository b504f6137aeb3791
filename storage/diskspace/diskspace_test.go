package diskspace

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func fixed(u Usage, err error) func(string) (Usage, error) {
	return func(string) (Usage, error) { return u, err }
}

func TestCheck(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		name    string
		free    uint64
		need    uint64
		statErr error
		full    bool
	}{
		{name: "plenty", free: 100 * mib},
		{name: "exactly the reserve", free: 10 * mib},
		{name: "under the reserve", free: 10*mib - 1, full: true},
		{name: "need passes the reserve", free: 12 * mib, need: 3 * mib, full: true},
		{name: "need fits", free: 12 * mib, need: 2 * mib},
		{name: "nothing free", free: 0, full: true},
		{name: "statfs fails", statErr: errors.New("EIO")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Reserve{Dir: "/data", Bytes: 10 * mib, Stat: fixed(Usage{Total: 1 << 30, Free: tt.free}, tt.statErr)}
			err := r.Check(tt.need)
			if got := errors.Is(err, ErrFull); got != tt.full {
				t.Fatalf("Check(%d) with %d free = %v, want full=%v", tt.need, tt.free, err, tt.full)
			}
			if tt.full && !strings.Contains(err.Error(), "disk full: ") || tt.full && !strings.HasSuffix(err.Error(), "free space on /data") {
				t.Fatalf("message %q does not say disk full and where to free space", err)
			}
		})
	}
}

// Stat reads a real file system: the test's temporary directory has some
// space and no more than its total.
func TestStat(t *testing.T) {
	u, err := Stat(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if u.Total == 0 || u.Free > u.Total {
		t.Fatalf("usage %+v", u)
	}
	if _, err := Stat("/does/not/exist"); err == nil {
		t.Fatal("Stat of a missing directory succeeded")
	}
}

func TestBytes(t *testing.T) {
	for n, want := range map[uint64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 3 << 20: "3.0 MiB", 5 << 29: "2.5 GiB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestDefaultReserve(t *testing.T) {
	const mib = 1 << 20
	for _, tt := range []struct{ total, want uint64 }{
		{64 * mib, 32 * mib},  // small disks keep twice the floor
		{10 << 30, 512 * mib}, // 5%
		{1 << 40, 1 << 30},    // at most 1 GiB
	} {
		if got := DefaultReserve(tt.total, 16*mib); got != tt.want {
			t.Errorf("DefaultReserve(%d) = %d, want %d", tt.total, got, tt.want)
		}
	}
}

// TestCheckReusesRecentUsage: within MaxAge a check reads the usage once;
// without MaxAge, every check reads it.
func TestCheckReusesRecentUsage(t *testing.T) {
	for _, tt := range []struct {
		maxAge time.Duration
		reads  int
	}{{time.Hour, 1}, {0, 3}} {
		n := 0
		r := Reserve{Dir: "/data", Bytes: 1, MaxAge: tt.maxAge, Stat: func(string) (Usage, error) {
			n++
			return Usage{Total: 100, Free: 50}, nil
		}}
		for range 3 {
			if err := r.Check(1); err != nil {
				t.Fatal(err)
			}
		}
		if n != tt.reads {
			t.Errorf("MaxAge %v: %d reads for 3 checks, want %d", tt.maxAge, n, tt.reads)
		}
	}
}

// BenchmarkCheck is the cost a write pays for the reserve check.
func BenchmarkCheck(b *testing.B) {
	for _, maxAge := range []time.Duration{0, 100 * time.Millisecond} {
		b.Run("maxAge="+maxAge.String(), func(b *testing.B) {
			r := Reserve{Dir: b.TempDir(), Bytes: 1 << 20, MaxAge: maxAge}
			for b.Loop() {
				if err := r.Check(4096); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
