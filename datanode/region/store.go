package region

import (
	"errors"
	"fmt"
	"time"

	"github.com/sluicedb/sluice/storage"
)

// diskFullBackoffMax caps the wait between tries of a storage write that
// found the disk full.
const diskFullBackoffMax = 2 * time.Second

// mustStore runs a storage write of an applied entry, which cannot be
// refused: the entry is committed and every replica must reach the same
// state. A write refused for lack of disk space (storage.ErrDiskFull) is
// tried again until space returns, the replica's apply waiting meanwhile;
// any other failure is a broken store and stops the replica loudly.
func (f *FSM) mustStore(what string, write func() error) {
	backoff := 50 * time.Millisecond
	var since time.Time
	for {
		err := write()
		if err == nil {
			if !since.IsZero() {
				f.logger.Info("disk space returned; the region applies again", "op", what, "waited", time.Since(since))
			}
			return
		}
		if !errors.Is(err, storage.ErrDiskFull) {
			panic(fmt.Sprintf("BUG: region %d: %s: %v", f.id, what, err))
		}
		if since.IsZero() {
			since = time.Now()
			f.logger.Warn("disk full: the region's apply waits for space", "op", what, "err", err)
		}
		time.Sleep(backoff)
		backoff = min(2*backoff, diskFullBackoffMax)
	}
}
