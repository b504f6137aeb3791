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
}

func newSpareLogs() spareLogs {
	return spareLogs{ready: make(chan string, spareLogCount), taken: make(chan string, spareLogCount)}
}

// spareDir is the directory of spare i, beside the regions' own.
func (d *DataNode) spareDir(i int) string {
	return filepath.Join(d.cfg.DataDir, "regions", fmt.Sprintf("spare-%d", i))
}

// spareRefillDelay is how long a taken spare waits to be prepared again:
// its syncs would otherwise compete with those of the regions just opened,
// whose first write waits for them.
const spareRefillDelay = time.Second

// prepareSpares prepares every spare; one left by an earlier run is used
// as it is. Start waits for them (tens of milliseconds on a new data dir),
// so that the first database created finds them ready.
func (d *DataNode) prepareSpares() {
	for i := range spareLogCount {
		d.prepareSpare(d.spareDir(i))
	}
}

// spareLoop prepares each spare again once taken.
func (d *DataNode) spareLoop() {
	defer d.wg.Done()
	for {
		select {
		case <-d.stop:
			return
		case dir := <-d.spares.taken:
			select {
			case <-d.stop:
				return
			case <-time.After(spareRefillDelay):
			}
			d.prepareSpare(dir)
		}
	}
}

// prepareSpare makes dir a spare, unless it already is one, and offers it.
func (d *DataNode) prepareSpare(dir string) {
	if _, err := os.Stat(dir); err != nil {
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			d.logger.Warn("spare region log not prepared", "dir", dir, "err", err)
			return
		}
		if err := consensus.PrepareLogStore(dir, consensus.LogStoreWAL); err != nil {
			d.logger.Warn("spare region log not prepared", "dir", dir, "err", err)
			return
		}
	}
	d.spares.ready <- dir
}

// takeSpare moves a prepared log to dir, the directory of a region that
// has none yet. It reports false when no spare is ready or the move
// failed: the region then creates its own.
func (d *DataNode) takeSpare(dir string) bool {
	var spare string
	select {
	case spare = <-d.spares.ready:
	default:
		return false
	}
	// The spare goes back to be prepared again (or, if it was not moved,
	// offered again): the channels hold every spare at most once.
	defer func() { d.spares.taken <- spare }()
	if err := os.Rename(spare, dir); err != nil {
		d.logger.Warn("spare region log not taken", "dir", dir, "err", err)
		return false
	}
	// The region's acknowledged entries will be in files under dir: its
	// name must survive a crash.
	if err := consensus.SyncDir(filepath.Dir(dir)); err != nil {
		d.logger.Warn("spare region log taken but not synced", "dir", dir, "err", err)
	}
	return true
}
