package diskspace

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// ErrFull is wrapped by the error of a check that found too little space.
var ErrFull = errors.New("disk full")

// Usage is a file system's size and the bytes an unprivileged process may
// still write to it.
type Usage struct {
	Total, Free uint64
}

// Stat returns the usage of the file system holding dir.
func Stat(dir string) (Usage, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return Usage{}, fmt.Errorf("statfs %s: %w", dir, err)
	}
	bs := uint64(st.Bsize)
	return Usage{Total: st.Blocks * bs, Free: st.Bavail * bs}, nil
}

// Reserve is the free space a directory must keep: a check fails once
// writing would leave less. Its methods are safe for concurrent use.
type Reserve struct {
	// Dir is the directory whose file system is checked.
	Dir string
	// Bytes is the space to keep free.
	Bytes uint64
	// Stat reads the usage; nil means the package's Stat. Tests replace it.
	Stat func(dir string) (Usage, error)
	// MaxAge lets Check reuse a usage read this recently instead of a
	// statfs per call, for checks on the write path; 0 reads every time.
	// Free space moves slowly against a reserve of tens of MiB: at
	// 100 ms, a node writing 100 MB/s misjudges it by 10 MB at most.
	MaxAge time.Duration

	mu     sync.Mutex
	read   time.Time // when last was read
	last   Usage
	lastOK bool
}

// Check returns nil when writing need more bytes leaves at least r.Bytes
// free, and otherwise an error wrapping ErrFull whose message says how
// much is free, the reserve, and where to free space. A failure to read
// the usage is no reason to refuse writes: it returns nil.
func (r *Reserve) Check(need uint64) error {
	u, ok := r.usage()
	if !ok {
		return nil
	}
	if u.Free >= r.Bytes && u.Free-r.Bytes >= need {
		return nil
	}
	return fmt.Errorf("%w: %s free on %s, under the reserve of %s (plus %s to write); free space on %s", ErrFull, Bytes(u.Free), r.Dir, Bytes(r.Bytes), Bytes(need), r.Dir)
}

// usage reads the file system's usage, or reuses one younger than MaxAge.
func (r *Reserve) usage() (Usage, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	if r.MaxAge > 0 && now.Sub(r.read) < r.MaxAge {
		return r.last, r.lastOK
	}
	stat := r.Stat
	if stat == nil {
		stat = Stat
	}
	u, err := stat(r.Dir)
	r.read, r.last, r.lastOK = now, u, err == nil
	return u, err == nil
}

// Bytes formats n for people: 512 B, 3.0 MiB, 1.2 GiB.
func Bytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}

// DefaultReserve is the reserve for a file system of total bytes when none
// is configured: 5% of it, at least 2 × floor and at most 1 GiB.
func DefaultReserve(total, floor uint64) uint64 {
	return max(2*floor, min(total/20, 1<<30))
}
