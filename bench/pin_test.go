package bench

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseCPUList(t *testing.T) {
	tests := []struct {
		in   string
		want []int
		err  string
	}{
		{in: "0", want: []int{0}},
		{in: "2-4", want: []int{2, 3, 4}},
		{in: "5,0-1, 3", want: []int{0, 1, 3, 5}},
		{in: "1,1,0-1", want: []int{0, 1}},
		{in: "", err: "empty core list"},
		{in: "a", err: `"a": want a core number`},
		{in: "-1", err: `"-1": want a core number`},
		{in: "3-1", err: `"3-1": range ends before it starts`},
		{in: "0,", err: `"": want a core number`},
		{in: "99999", err: `"99999": want a core number from 0 to 1023`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseCPUList(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("parseCPUList(%q) = %v, %v; want an error containing %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("parseCPUList(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestFormatCPUList(t *testing.T) {
	for in, want := range map[string]string{"0": "0", "0-3": "0-3", "0,2-3,5": "0,2-3,5", "1,3": "1,3"} {
		cpus, err := parseCPUList(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := formatCPUList(cpus); got != want {
			t.Errorf("formatCPUList(%v) = %q, want %q", cpus, got, want)
		}
	}
}

func TestNewPinPlan(t *testing.T) {
	tests := []struct {
		name             string
		sender, receiver string
		allowed          []int
		want             PinPlan
		err              string
	}{
		{name: "one core each", sender: "0", receiver: "1", allowed: []int{0, 1}, want: PinPlan{Sender: []int{0}, Receiver: []int{1}}},
		{name: "lists", sender: "0-1", receiver: "2,3", allowed: []int{0, 1, 2, 3}, want: PinPlan{Sender: []int{0, 1}, Receiver: []int{2, 3}}},
		{name: "one core", sender: "0", receiver: "1", allowed: []int{0}, err: "needs at least 2 cores; this process may run on 1 (0)"},
		{name: "shared core", sender: "0-1", receiver: "1", allowed: []int{0, 1, 2}, err: "core 1 is both a sender core (0-1) and a receiver core (1)"},
		{name: "core not allowed", sender: "0", receiver: "7", allowed: []int{0, 1}, err: "core 7 is not one this process may run on (0-1)"},
		{name: "bad sender", sender: "x", receiver: "1", allowed: []int{0, 1}, err: "sender cores:"},
		{name: "bad receiver", sender: "0", receiver: "", allowed: []int{0, 1}, err: "receiver cores: empty core list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NewPinPlan(tt.sender, tt.receiver, tt.allowed)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("NewPinPlan = %v, %v; want an error containing %q", got, err, tt.err)
				}
				return
			}
			if err != nil || !slices.Equal(got.Sender, tt.want.Sender) || !slices.Equal(got.Receiver, tt.want.Receiver) {
				t.Fatalf("NewPinPlan = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	if _, err := NewPinPlan("0", "1", []int{3}); !errors.Is(err, ErrTooFewCores) {
		t.Fatalf("one allowed core: %v, want ErrTooFewCores", err)
	}
}

// threadCPUs returns the Cpus_allowed_list of every thread of this
// process.
func threadCPUs(t *testing.T) map[string]string {
	t.Helper()
	tasks, err := filepath.Glob("/proc/self/task/*/status")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range tasks {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // the thread exited
		}
		out[f] = statusField(string(b), "Cpus_allowed_list")
	}
	return out
}

// statusField is a field of a /proc status file.
func statusField(status, field string) string {
	for line := range strings.SplitSeq(status, "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func TestPinSelfPinsEveryThreadAndRestores(t *testing.T) {
	allowed, err := AllowedCPUs()
	if err != nil {
		t.Fatal(err)
	}
	if len(allowed) < 2 {
		t.Skipf("needs 2 cores, this process may run on %v", allowed)
	}
	before := formatCPUList(allowed)
	core := allowed[len(allowed)-1]
	restore, err := pinSelf([]int{core})
	if err != nil {
		t.Fatal(err)
	}
	for task, cpus := range threadCPUs(t) {
		if cpus != formatCPUList([]int{core}) {
			restore()
			t.Fatalf("pinned to %d, but %s may run on %s", core, task, cpus)
		}
	}
	restore()
	for task, cpus := range threadCPUs(t) {
		if cpus != before {
			t.Fatalf("after restore %s may run on %s, want %s", task, cpus, before)
		}
	}
}
