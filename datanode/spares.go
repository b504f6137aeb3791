package datanode

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sluicedb/sluice/consensus"
)

// spareLogCount is how many empty region logs a DataNode keeps ready: a
// new database's regions (two by default) open at the same time, on the
// path of the write that created the database.
const spareLogCount = 2

// spareLogs are region log directories created ahead of time, which a new
// region takes instead of creating its log (consensus.PrepareLogStore).
type spareLogs struct {
	ready chan string // prepared, to take
	taken chan string // to prepare again
	// prepare and syncDir are consensus.PrepareLogStore (raft-wal) and
	// consensus.SyncDir; tests inject failures through them.
	prepare func(dir string) error
	syncDir func(dir string) error
}

func newSpareLogs() spareLogs {
	return spareLogs{
		ready:   make(chan string, spareLogCount),
		taken:   make(chan string, spareLogCount),
		prepare: func(dir string) error { return consensus.PrepareLogStore(dir, consensus.LogStoreWAL) },
		syncDir: consensus.SyncDir,
	}
}

// spareDir is the directory of spare i, beside the regions' own.
func (d *DataNode) spareDir(i int) string {
	return filepath.Join(d.cfg.DataDir, "regions", fmt.Sprintf("spare-%d", i))
}

// spareRefillDelay is how long a taken spare waits to be prepared again:
// its syncs would otherwise compete with those of the regions just opened,
// whose first write waits for them. A spare that failed to prepare waits
// twice as long at each failure, up to spareRetryMax.
const (
	spareRefillDelay = time.Second
	spareRetryMax    = time.Minute
)

// prepareSpares prepares every spare; one left by an earlier run is used
// as it is. Start waits for them (tens of milliseconds on a new data dir),
// so that the first database created finds them ready; one that fails is
// left to spareLoop to prepare again.
func (d *DataNode) prepareSpares() {
	for i := range spareLogCount {
		if dir := d.spareDir(i); !d.prepareSpare(dir) {
			d.spares.taken <- dir
		}
	}
}

// spareLoop prepares each spare again once taken, and again after a
// failure, backing off.
func (d *DataNode) spareLoop() {
	defer d.wg.Done()
	failures := make(map[string]int)
	for {
		select {
		case <-d.stop:
			return
		case dir := <-d.spares.taken:
			delay := spareRefillDelay
			for range failures[dir] {
				delay = min(2*delay, spareRetryMax)
			}
			select {
			case <-d.stop:
				return
			case <-time.After(delay):
			}
			if d.prepareSpare(dir) {
				delete(failures, dir)
				continue
			}
			failures[dir]++
			// The channel holds every spare at most once, and this one
			// is not in it: the send does not block.
			d.spares.taken <- dir
		}
	}
}

// prepareSpare makes dir a spare, unless it already is one, and offers it.
// It reports false when dir could not be prepared.
func (d *DataNode) prepareSpare(dir string) bool {
	if _, err := os.Stat(dir); err != nil {
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			d.logger.Warn("spare region log not prepared", "dir", dir, "err", err)
			return false
		}
		if err := d.spares.prepare(dir); err != nil {
			d.logger.Warn("spare region log not prepared", "dir", dir, "err", err)
			return false
		}
	}
	d.spares.ready <- dir
	return true
}

// takeSpare moves a prepared log to dir, the directory of a region that
// has none yet. When no spare is ready or the move failed, dir is left
// absent and the region creates its own log. It fails when the move
// cannot be made durable: the spare is then moved back, as a region whose
// directory may vanish in a crash must not acknowledge entries.
func (d *DataNode) takeSpare(dir string) error {
	var spare string
	select {
	case spare = <-d.spares.ready:
	default:
		return nil
	}
	// The spare goes back to be prepared again (or, if it was not moved,
	// offered again): the channels hold every spare at most once.
	defer func() { d.spares.taken <- spare }()
	if err := os.Rename(spare, dir); err != nil {
		d.logger.Warn("spare region log not taken", "dir", dir, "err", err)
		return nil
	}
	// The region's acknowledged entries will be in files under dir: its
	// name must survive a crash.
	if err := d.spares.syncDir(filepath.Dir(dir)); err != nil {
		if back := os.Rename(dir, spare); back != nil {
			return fmt.Errorf("take spare region log %s: %w (and moving it back: %v)", dir, err, back)
		}
		return fmt.Errorf("take spare region log %s: %w", dir, err)
	}
	return nil
}
