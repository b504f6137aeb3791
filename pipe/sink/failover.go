package sink

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/sluicedb/sluice/pipe"
)

// failover is how a sink reaches one of its targets: it tries them in
// turn, round-robin, moving on from one that cannot be reached or refuses
// transiently. Each target that keeps failing is warned about once per
// warnEvery, and when every target failed the sink gets one error listing
// the failures.
type failover struct {
	plugin  string
	targets []string
	log     *slog.Logger
	warns   *warnLimiter  // of failures to reach a target
	next    atomic.Uint64 // round-robin position of dialNext's next walk
}

func newFailover(a *attributes, logger *slog.Logger) *failover {
	return &failover{plugin: a.plugin, targets: a.targets, log: logger, warns: newWarnLimiter(warnEvery)}
}

// targetFailure is a failure of one target that the next target may not
// share: returned by tryTargets' try, it moves the walk on.
type targetFailure struct {
	warning string // the message of the warning logged about it
	err     error  // the warning's err
	text    string // how the "no target available" error lists it
}

func (e *targetFailure) Error() string { return e.text }

// failed is a targetFailure for err, warned about as warning and listed
// as err's text without the plugin's name, which err starts with.
func (f *failover) failed(warning string, err error) error {
	return &targetFailure{warning: warning, err: err, text: strings.TrimPrefix(err.Error(), f.plugin+" ")}
}

// unreachable is a targetFailure for an error dialing target, or ctx's
// error when ctx ended, which stops the walk.
func unreachable(ctx context.Context, target string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return &targetFailure{warning: "cannot connect to target", err: err, text: fmt.Sprintf("%s: %v", target, err)}
}

// tryTargets calls try on f's targets in turn, round-robin from the one
// at index start, until one succeeds, and returns what try returned and
// that target's index. A *targetFailure from try is warned about (at most
// once per warnEvery a target) and moves on to the next target; any other
// error ends the walk. A target that succeeds is warned about at once when
// it fails again. When every target failed, the error is "<plugin>: no
// target available: <failures>".
func tryTargets[C any](f *failover, start int, try func(target string) (C, error)) (C, int, error) {
	var zero C
	var failures []string
	n := len(f.targets)
	for i := range n {
		idx := (start + i) % n
		target := f.targets[idx]
		c, err := try(target)
		var tf *targetFailure
		if errors.As(err, &tf) {
			if ok, held := f.warns.allow(target); ok {
				f.log.Warn(tf.warning, "target", target, "err", tf.err, "similar_warnings_held_back", held)
			}
			failures = append(failures, tf.text)
			continue
		}
		if err != nil {
			return zero, idx, err
		}
		f.warns.reset(target)
		return c, idx, nil
	}
	return zero, 0, fmt.Errorf("%s: no target available: %s", f.plugin, strings.Join(failures, "; "))
}

// dialNext opens a connection of p on the next target round-robin,
// failing over through the others: connect dials the target (a failure
// made by unreachable moves on, any other error ends the walk), p tracks
// the connection and handshake opens its session. A failed handshake
// drops the connection and moves on unless it is fatal or ctx ended. It
// returns ErrClosed once p is closed.
func dialNext[C slotConn](ctx context.Context, f *failover, p *slotPool[C], connect func(ctx context.Context, target string) (C, error), handshake func(context.Context, C) error) (C, error) {
	var none C
	start := int((f.next.Add(1) - 1) % uint64(len(f.targets)))
	c, _, err := tryTargets(f, start, func(target string) (C, error) {
		if p.isClosed() {
			return none, ErrClosed
		}
		c, err := connect(ctx, target)
		if err != nil {
			return none, err
		}
		if !p.track(c) {
			return none, ErrClosed
		}
		if err := handshake(ctx, c); err != nil {
			p.drop(c)
			if errors.Is(err, pipe.ErrFatal) || ctx.Err() != nil {
				return none, err
			}
			return none, f.failed("handshake failed", err)
		}
		return c, nil
	})
	return c, err
}
