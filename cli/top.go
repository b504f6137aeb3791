package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"
)

// showPipesStatistics is the statement every frame of `sluice top` runs.
const showPipesStatistics = "SHOW PIPES STATISTICS"

// defaultTopInterval is how often `sluice top` refreshes by default.
const defaultTopInterval = time.Second

// topOptions are the parsed `sluice top` command line.
type topOptions struct {
	conn     connConfig
	interval time.Duration
	frames   int // 0: until interrupted
}

// parseTopFlags parses args (the arguments after "top"). Usage and parse
// errors go to stderr.
func parseTopFlags(args []string, stderr io.Writer) (*topOptions, error) {
	fs := flag.NewFlagSet("sluice top", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := topOptions{conn: connConfig{connectTimeout: connectTimeout, fetchSize: fetchSize, loc: time.Local}}
	var flags connFlags
	flags.register(fs, &o.conn)
	fs.DurationVar(&o.interval, "interval", defaultTopInterval, "time between frames")
	fs.IntVar(&o.frames, "n", 0, "stop after `N` frames (0: until interrupted)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: sluice top [-h host] [-p port] [-u user] [-pw password] [-usessl true [-ts ca.pem]] [--interval 1s] [-n N]\n\n")
		fmt.Fprintf(fs.Output(), "Shows the cluster's pipes, refreshed every interval: state, backlog, rate,\nlag, estimated time to drain, and how much of the backlog drained since the\nview started.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case fs.NArg() > 0:
		return nil, usageError(fs, "unexpected argument %q", fs.Arg(0))
	case o.interval <= 0:
		return nil, usageError(fs, "invalid interval %s: want a positive duration such as 1s", o.interval)
	case o.frames < 0:
		return nil, usageError(fs, "invalid frame count %d", o.frames)
	}
	if err := flags.apply(&o.conn); err != nil {
		return nil, usageError(fs, "%v", err)
	}
	return &o, nil
}

// Top runs `sluice top` with args, the arguments after "top", and returns
// the process exit code: 0 after -n frames or when ctx is cancelled
// (Ctrl-C), 1 when the server cannot be reached or the statement fails,
// 2 for a bad command line. On a terminal each frame replaces the last;
// otherwise frames follow each other, separated by a blank line.
func Top(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runTop(ctx, args, stdout, stderr, topEnv{dial: dialSession, now: time.Now, wait: sleep, terminal: isTerminal(stdout)})
}

// topEnv is what Top takes from the world; tests substitute fakes.
type topEnv struct {
	dial     func(ctx context.Context, cfg connConfig) (executor, error)
	now      func() time.Time
	wait     func(ctx context.Context, d time.Duration) error // returns ctx's error if cancelled first
	terminal bool                                             // stdout is a terminal: redraw in place
}

func runTop(ctx context.Context, args []string, stdout, stderr io.Writer, e topEnv) int {
	o, err := parseTopFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		return exitUsage
	}
	exec, err := e.dial(ctx, o.conn)
	if err != nil {
		if ctx.Err() != nil {
			return exitOK
		}
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return exitFailure
	}
	defer exec.close()
	v := newTopView(o.conn.addr(), e.terminal)
	for frame := 1; ; frame++ {
		stats, err := queryPipeStats(ctx, exec)
		if err != nil {
			if ctx.Err() != nil {
				return exitOK
			}
			fmt.Fprintf(stderr, "Error: %s on %s: %v\n", showPipesStatistics, o.conn.addr(), err)
			return exitFailure
		}
		if err := v.write(stdout, e.now(), stats); err != nil {
			fmt.Fprintf(stderr, "Error: %v\n", err)
			return exitFailure
		}
		if o.frames > 0 && frame >= o.frames {
			return exitOK
		}
		if e.wait(ctx, o.interval) != nil {
			return exitOK
		}
	}
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
