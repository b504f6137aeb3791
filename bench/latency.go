package bench

import (
	"context"
	"errors"
	"time"
)

// probeLatency measures write-to-visible latency under load, the same way
// for Sluice and for PostgreSQL: for d, load runs in the background while
// probe writes probe number i (0, 1, ...) every 20 ms on the sender, and
// arrived, polled every 2 ms, says how many probes the receiver shows. A
// probe's latency runs from the sender's acknowledgement of it to the
// first poll that sees it.
func probeLatency(ctx context.Context, d time.Duration, load func(context.Context) error,
	probe func(i int) error, arrived func() (int64, error)) ([]time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	loadErr := make(chan error, 1)
	go func() { loadErr <- load(ctx) }()
	// The load ends with ctx, and its error counts only when the probes
	// went well.
	wait := func(err error) ([]time.Duration, error) {
		cancel()
		if lerr := <-loadErr; err == nil {
			err = lerr
		}
		return nil, err
	}
	var sent []time.Time
	var lat []time.Duration
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for ctx.Err() == nil {
		select {
		case <-tick.C:
			if err := probe(len(sent)); err != nil {
				return wait(err)
			}
			sent = append(sent, time.Now())
		default:
		}
		n, err := arrived()
		if err != nil {
			return wait(err)
		}
		for int64(len(lat)) < n && len(lat) < len(sent) {
			lat = append(lat, time.Since(sent[len(lat)]))
		}
		time.Sleep(2 * time.Millisecond)
	}
	if _, err := wait(nil); err != nil {
		return nil, err
	}
	if len(lat) == 0 {
		return nil, errors.New("no probe arrived on B")
	}
	return lat, nil
}
