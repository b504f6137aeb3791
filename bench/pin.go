package bench

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// PinPlan places the sender and the bench's load-generating client on
// the Sender cores and the receiver on the Receiver cores, as the pipe's
// cost to the sender is only meaningful when the receiver does not
// compete with it for a core.
type PinPlan struct {
	Sender, Receiver []int
}

// ErrTooFewCores is returned when the machine (or the bench's affinity
// mask) offers fewer than two cores: sender and receiver would share.
var ErrTooFewCores = errors.New("pinning sender and receiver to their own cores needs at least 2 cores")

// NewPinPlan parses two core lists in taskset's form ("0", "2-3",
// "0,4-5") and checks them against allowed, the cores this process may
// run on: both non-empty, disjoint, and allowed, of which there must be
// at least two.
func NewPinPlan(sender, receiver string, allowed []int) (PinPlan, error) {
	var p PinPlan
	var err error
	if p.Sender, err = parseCPUList(sender); err != nil {
		return PinPlan{}, fmt.Errorf("sender cores: %w", err)
	}
	if p.Receiver, err = parseCPUList(receiver); err != nil {
		return PinPlan{}, fmt.Errorf("receiver cores: %w", err)
	}
	for _, c := range p.Receiver {
		if slices.Contains(p.Sender, c) {
			return PinPlan{}, fmt.Errorf("core %d is both a sender core (%s) and a receiver core (%s): they must be apart", c, sender, receiver)
		}
	}
	if len(allowed) < 2 {
		return PinPlan{}, fmt.Errorf("%w; this process may run on %d (%s)", ErrTooFewCores, len(allowed), formatCPUList(allowed))
	}
	for _, c := range slices.Concat(p.Sender, p.Receiver) {
		if !slices.Contains(allowed, c) {
			return PinPlan{}, fmt.Errorf("core %d is not one this process may run on (%s)", c, formatCPUList(allowed))
		}
	}
	return p, nil
}

// String renders the plan for reports.
func (p PinPlan) String() string {
	return fmt.Sprintf("sender and client on core(s) %s, receiver on core(s) %s", formatCPUList(p.Sender), formatCPUList(p.Receiver))
}

// parseCPUList parses a comma-separated list of cores and inclusive
// ranges, returning the cores sorted and without duplicates.
func parseCPUList(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("empty core list")
	}
	var cpus []int
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		first, err := parseCPU(lo)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", part, err)
		}
		last := first
		if isRange {
			if last, err = parseCPU(hi); err != nil {
				return nil, fmt.Errorf("%q: %w", part, err)
			}
			if last < first {
				return nil, fmt.Errorf("%q: range ends before it starts", part)
			}
		}
		for c := first; c <= last; c++ {
			cpus = append(cpus, c)
		}
	}
	slices.Sort(cpus)
	return slices.Compact(cpus), nil
}

func parseCPU(s string) (int, error) {
	c, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || c < 0 || c >= cpuSetSize {
		return 0, fmt.Errorf("want a core number from 0 to %d", cpuSetSize-1)
	}
	return c, nil
}

// formatCPUList renders sorted cores in taskset's list form.
func formatCPUList(cpus []int) string {
	var parts []string
	for i := 0; i < len(cpus); {
		j := i
		for j+1 < len(cpus) && cpus[j+1] == cpus[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(cpus[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", cpus[i], cpus[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// cpuSetSize is how many cores a CPU mask of sched_setaffinity covers.
const cpuSetSize = int(unsafe.Sizeof(unix.CPUSet{})) * 8

// AllowedCPUs lists the cores this process may run on.
func AllowedCPUs() ([]int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, fmt.Errorf("sched_getaffinity: %w", err)
	}
	var cpus []int
	for c := range cpuSetSize {
		if set.IsSet(c) {
			cpus = append(cpus, c)
		}
	}
	return cpus, nil
}

// pinSelf restricts every thread of this process to cpus and returns a
// function that gives each thread back the mask the calling thread had.
// sched_setaffinity applies to one thread; threads started later inherit
// their creator's mask, so passes repeat until no thread is left unpinned.
func pinSelf(cpus []int) (restore func(), err error) {
	var old, set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		return nil, fmt.Errorf("sched_getaffinity: %w", err)
	}
	for _, c := range cpus {
		set.Set(c)
	}
	if err := setAllThreads(&set); err != nil {
		setAllThreads(&old)
		return nil, err
	}
	return func() { setAllThreads(&old) }, nil
}

// setAllThreads applies set to every thread of this process.
func setAllThreads(set *unix.CPUSet) error {
	done := map[int]bool{}
	for pass := 0; pass < 10; pass++ {
		entries, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return fmt.Errorf("list threads: %w", err)
		}
		fresh := 0
		for _, e := range entries {
			tid, err := strconv.Atoi(e.Name())
			if err != nil || done[tid] {
				continue
			}
			// A thread that exited meanwhile (ESRCH) needs nothing.
			if err := unix.SchedSetaffinity(tid, set); err != nil && !errors.Is(err, unix.ESRCH) {
				return fmt.Errorf("sched_setaffinity thread %d: %w", tid, err)
			}
			done[tid] = true
			fresh++
		}
		if fresh == 0 {
			return nil
		}
	}
	return nil
}
