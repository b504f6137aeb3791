package cli

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

// statColumns is SHOW PIPES STATISTICS' header in another order than the
// contract's, with the columns the view does not show: the view finds its
// columns by name.
var statColumns = []string{"ExceptionMessage", "ID", "PointsSent", "State", "EstimatedRemainingSeconds",
	"RemainingEventCount", "Retries", "LagSeconds", "EventsPerSecond"}

// stat is one fabricated row, in the contract's terms.
type stat struct {
	id, state, remaining, rate, lag, eta, exception string
}

// statRows renders stats as the server does: text cells in statColumns'
// order.
func statRows(stats ...stat) func() rows {
	return func() rows {
		rs := &sliceRows{names: statColumns}
		for _, s := range stats {
			rs.data = append(rs.data, row{values: []any{s.exception, s.id, "1000", s.state, s.eta, s.remaining, "3", s.lag, s.rate}})
		}
		return rs
	}
}

// frameExecutor answers SHOW PIPES STATISTICS with one result per frame,
// then with err (or the last result again).
type frameExecutor struct {
	frames []func() rows
	err    error
	ran    int
	closed bool
}

func (f *frameExecutor) execute(_ context.Context, sql string) (rows, error) {
	if sql != showPipesStatistics {
		return nil, &statusError{code: 700, msg: "unexpected statement " + sql}
	}
	f.ran++
	if f.ran > len(f.frames) {
		if f.err != nil {
			return nil, f.err
		}
		return f.frames[len(f.frames)-1](), nil
	}
	return f.frames[f.ran-1](), nil
}

func (f *frameExecutor) close() error {
	f.closed = true
	return nil
}

// topRun runs `sluice top` with args against exec, a clock that starts at
// 2026-01-01 12:00:00 UTC and ticks by the interval, and waits that return
// at once; it returns the exit code, the outputs and the waits.
func topRun(t *testing.T, ctx context.Context, exec executor, terminal bool, args ...string) (int, string, string, []time.Duration) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	clock := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	var waits []time.Duration
	e := topEnv{
		dial: func(context.Context, connConfig) (executor, error) { return exec, nil },
		now:  func() time.Time { return clock },
		wait: func(ctx context.Context, d time.Duration) error {
			waits = append(waits, d)
			clock = clock.Add(d)
			return ctx.Err()
		},
		terminal: terminal,
	}
	code := runTop(ctx, args, &stdout, &stderr, e)
	return code, stdout.String(), stderr.String(), waits
}

func TestTopFrames(t *testing.T) {
	busy := stat{id: "a2b", state: "RUNNING", remaining: "1200", rate: "350.5", lag: "1.25", eta: "3.42"}
	tests := []struct {
		name     string
		terminal bool
		frames   []func() rows
	}{
		{name: "draining", frames: []func() rows{
			statRows(busy, stat{id: "idle", state: "RUNNING", remaining: "0", rate: "0", lag: "0", eta: "0.00"}),
			// a2b drains 58% of its backlog; a new pipe appears.
			statRows(stat{id: "a2b", state: "RUNNING", remaining: "500", rate: "700", lag: "0.5", eta: "0.71"},
				stat{id: "idle", state: "RUNNING", remaining: "0", rate: "0", lag: "0", eta: "0.00"},
				stat{id: "late-comer", state: "RUNNING", remaining: "10", rate: "1", lag: "2", eta: "10.00"}),
			// Its backlog grows past where the view started: nothing drained.
			statRows(stat{id: "a2b", state: "RUNNING", remaining: "1500", rate: "10", lag: "4", eta: "150"},
				stat{id: "late-comer", state: "RUNNING", remaining: "0", rate: "1", lag: "0", eta: "0.00"}),
		}},
		{name: "terminal", terminal: true, frames: []func() rows{statRows(busy), statRows(busy)}},
		{name: "stopped-and-retrying", frames: []func() rows{statRows(
			stat{id: "broken", state: "STOPPED", remaining: "40", rate: "0", lag: "", eta: "Unknown",
				exception: "sink 127.0.0.1:6668 refused the handshake:\n  version mismatch"},
			stat{id: "slow", state: "RUNNING", remaining: "6517005", rate: "1", lag: "7260.5", eta: "6517005",
				exception: "retrying: dial tcp 127.0.0.1:6669: i/o timeout"},
			stat{id: "hour", state: "RUNNING", remaining: "3600", rate: "1", lag: "61", eta: "3725"},
		)}},
		{name: "no-pipes", frames: []func() rows{statRows(), statRows(busy), statRows()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exec := &frameExecutor{frames: tt.frames}
			n := len(tt.frames)
			code, stdout, stderr, waits := topRun(t, context.Background(), exec, tt.terminal, "-n", strconv.Itoa(n), "--interval", "2s")
			if code != exitOK || stderr != "" {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			if exec.ran != n || len(waits) != n-1 || !exec.closed {
				t.Errorf("ran %d statements and waited %v, closed %v; want %d statements, %d waits of 2s, closed", exec.ran, waits, exec.closed, n, n-1)
			}
			for _, w := range waits {
				if w != 2*time.Second {
					t.Errorf("waited %v, want the 2s interval", w)
				}
			}
			if got := strings.Count(stdout, clearScreen); tt.terminal && got != n || !tt.terminal && got != 0 {
				t.Errorf("%d screen clears in %d frames (terminal %v)", got, n, tt.terminal)
			}
			checkGolden(t, "top-"+tt.name+".golden", []byte(stdout))
		})
	}
}

func TestTopFailures(t *testing.T) {
	one := []func() rows{statRows(stat{id: "p", state: "RUNNING", remaining: "1", rate: "1", lag: "0", eta: "1"})}
	tests := []struct {
		name   string
		exec   *frameExecutor
		dial   error
		args   []string
		code   int
		stderr string // a part of what it prints
	}{
		{name: "unreachable", dial: &connectError{addr: "127.0.0.1:6667", err: errors.New("connection refused")},
			code: exitFailure, stderr: "Error: cannot connect to 127.0.0.1:6667: connection refused"},
		{name: "statement-refused", exec: &frameExecutor{err: &statusError{code: 700, msg: "line 1:11 no viable alternative at input 'STATISTICS'"}},
			code: exitFailure, stderr: "Error: SHOW PIPES STATISTICS on 127.0.0.1:6667: 700: line 1:11"},
		{name: "lost-mid-view", exec: &frameExecutor{frames: one, err: errors.New("request to 127.0.0.1:6667 failed: EOF")},
			args: []string{"-n", "3"}, code: exitFailure, stderr: "request to 127.0.0.1:6667 failed: EOF"},
		{name: "missing-column", exec: &frameExecutor{frames: []func() rows{func() rows {
			return &sliceRows{names: []string{"ID", "State", "RemainingEventCount"}}
		}}}, code: exitFailure, stderr: "the result has no column EventsPerSecond (it has ID, State, RemainingEventCount)"},
		{name: "no-result", exec: &frameExecutor{frames: []func() rows{func() rows { return nil }}},
			code: exitFailure, stderr: "the server returned no result"},
		{name: "bad-interval", args: []string{"--interval", "0s"}, code: exitUsage, stderr: "invalid interval 0s"},
		{name: "bad-frames", args: []string{"-n", "-1"}, code: exitUsage, stderr: "invalid frame count -1"},
		{name: "extra-argument", args: []string{"pipes"}, code: exitUsage, stderr: `unexpected argument "pipes"`},
		{name: "bad-port", args: []string{"-p", "0"}, code: exitUsage, stderr: "invalid port 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			e := topEnv{
				dial: func(context.Context, connConfig) (executor, error) {
					if tt.dial != nil {
						return nil, tt.dial
					}
					if tt.exec == nil {
						t.Fatal("dialled on a bad command line")
					}
					return tt.exec, nil
				},
				now:  time.Now,
				wait: func(context.Context, time.Duration) error { return nil },
			}
			args := tt.args
			if tt.code != exitUsage && len(args) == 0 {
				args = []string{"-n", "1"}
			}
			if code := runTop(context.Background(), args, &stdout, &stderr, e); code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr %q does not say %q", stderr.String(), tt.stderr)
			}
			if tt.exec != nil && !tt.exec.closed {
				t.Error("the session was not closed")
			}
		})
	}
}

// Without -n the view runs until interrupted, and an interrupt is a normal
// end.
func TestTopRunsUntilInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	exec := &frameExecutor{frames: []func() rows{statRows()}}
	frames := 0
	var stdout, stderr bytes.Buffer
	e := topEnv{
		dial: func(context.Context, connConfig) (executor, error) { return exec, nil },
		now:  time.Now,
		wait: func(ctx context.Context, _ time.Duration) error {
			if frames++; frames == 5 {
				cancel()
			}
			return ctx.Err()
		},
	}
	if code := runTop(ctx, nil, &stdout, &stderr, e); code != exitOK || stderr.Len() > 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	if exec.ran != 5 {
		t.Errorf("ran %d frames before the interrupt, want 5", exec.ran)
	}
}

// The real wait returns after the interval, or at once when cancelled.
func TestSleep(t *testing.T) {
	if err := sleep(context.Background(), time.Millisecond); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("sleep on a cancelled context = %v", err)
	}
}
