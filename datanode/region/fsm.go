package region

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/raft"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/status"
	"github.com/sluicedb/sluice/storage"
)

// FSM is a data region's state machine. Raft calls Apply, Snapshot and
// Restore from one goroutine; readers use Match and View concurrently.
type FSM struct {
	id     uint32
	store  *storage.Region
	logger *slog.Logger

	mu     sync.RWMutex
	schema *schema
	// applying is held while an entry is applied, the whole of it: a
	// write appends its points after releasing mu. A capture of the
	// region for a snapshot holds it to fall between two entries.
	applying sync.Mutex
	applied  atomic.Uint64
	// logBytes counts command bytes applied since the last snapshot: the
	// part of the Raft log a snapshot would let Raft truncate.
	logBytes atomic.Int64

	// lost is set (under mu) when a snapshot install failed after it had
	// cleared the region: the state is gone until an install succeeds.
	lost bool
	// imports counts the snapshots installed with data.
	imports atomic.Int64

	waitMu    sync.Mutex
	appliedCh chan struct{} // closed and replaced after each applied entry
}

// NewFSM loads the region's schema from store and returns its state machine.
func NewFSM(id uint32, store *storage.Region, logger *slog.Logger) (*FSM, error) {
	f := &FSM{id: id, store: store, logger: logger.With("region", id), appliedCh: make(chan struct{})}
	s, err := loadSchema(store)
	if err != nil {
		return nil, fmt.Errorf("load schema of region %d: %w", id, err)
	}
	f.schema = s
	f.applied.Store(store.DurableIndex())
	return f, nil
}

// loadSchema reads the schema persisted in the region's metadata.
func loadSchema(store *storage.Region) (*schema, error) {
	s := newSchema()
	if err := store.Metas(s.load); err != nil {
		return nil, err
	}
	return s, nil
}

// AppliedIndex is the last log index applied (or known durable at open).
func (f *FSM) AppliedIndex() uint64 { return f.applied.Load() }

// LogBytesSinceSnapshot is how many bytes of commands were applied since the
// last snapshot; the DataNode snapshots a region when it grows large, which
// bounds the Raft log on disk.
func (f *FSM) LogBytesSinceSnapshot() int64 { return f.logBytes.Load() }

// Apply implements raft.FSM. A business failure (type mismatch, missing
// series) is returned as the response and changes nothing; an entry that
// does not decode, or a storage failure, stops the replica loudly.
//
// An entry at or below the applied index is skipped whole: the state
// already holds it. That is the case when Raft replays its log after a
// restart (points, deletions and schema are durable up to the storage's
// DurableIndex) or after installing a data snapshot, which may reach past
// the index Raft knows the snapshot by. Skipping rather than re-executing
// matters: an entry re-run against a later schema can act differently (a
// deletion would also drop a series created after it). Entries past the
// DurableIndex still re-run after a restart against a schema that may
// already hold later creations (metadata is written when applied); since
// deletions flush, only a write refused for a missing series that a later
// entry created would then be accepted.
func (f *FSM) Apply(l *raft.Log) any {
	if l.Type != raft.LogCommand || len(l.Data) == 0 {
		return nil
	}
	f.applying.Lock()
	defer f.applying.Unlock()
	defer f.notifyApplied()
	resp, writes, fresh := f.applyLocked(l)
	if !fresh {
		return nil
	}
	// A write's points are appended once the lock is released: a large
	// append would otherwise hold up every read of the schema and the check
	// of every new write (Match, Check, View). Nothing else changes the
	// storage meanwhile: Raft runs Apply, Snapshot and Restore on one
	// goroutine, and a capture for a snapshot waits for applying. A reader
	// may meanwhile see a series just created without its points, as it
	// would just before the write.
	if len(writes) > 0 && l.Index > f.store.DurableIndex() {
		f.store.Write(l.Index, writes)
	}
	// The storage's index covers every entry, also those that write
	// nothing there, so that DurableIndex is exactly the state's index.
	f.store.Advance(l.Index)
	f.applied.Store(l.Index)
	return resp
}

// applyLocked applies what of an entry changes the schema, and deletes,
// under the lock, and returns the response and a write's points, which
// Apply appends after it. fresh is false for an entry already applied.
func (f *FSM) applyLocked(l *raft.Log) (resp any, writes []storage.SeriesWrite, fresh bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lost {
		panic(fmt.Sprintf("BUG: region %d: entry %d applied after a failed snapshot install cleared the region", f.id, l.Index))
	}
	if l.Index <= f.applied.Load() {
		return nil, nil, false
	}
	f.logBytes.Add(int64(len(l.Data)))
	d := decoder{b: l.Data[1:]}
	switch cmdType(l.Data[0]) {
	case cmdWrite:
		writes, resp = f.prepareWrite(&d)
	case cmdCreateSeries, cmdCreateTagged:
		spec := d.spec
		if cmdType(l.Data[0]) == cmdCreateTagged {
			spec = d.taggedSpec
		}
		n := d.count(1)
		specs := make([]model.Series, 0, n)
		for i := 0; i < n && d.err == nil; i++ {
			specs = append(specs, spec())
		}
		if d.err == nil {
			resp = f.applyCreate(specs)
		}
	case cmdAlterSeries:
		a := d.alter()
		if d.err == nil {
			resp = f.applyAlter(l.Index, a)
		}
	case cmdDeleteSeries:
		patterns := d.paths()
		if d.err == nil {
			resp = f.applyDelete(l.Index, patterns, math.MinInt64, math.MaxInt64, true)
		}
	case cmdDeleteData:
		patterns, lo, hi := d.paths(), d.varint(), d.varint()
		if d.err == nil {
			resp = f.applyDelete(l.Index, patterns, lo, hi, false)
		}
	case cmdDropDatabase:
		db := d.str()
		if d.err == nil {
			pat, err := model.ParsePath(db)
			if err != nil {
				return err, nil, true
			}
			resp = f.applyDelete(l.Index, []model.Path{pat.Append(model.MultiLevel)}, math.MinInt64, math.MaxInt64, true)
		}
	default:
		d.err = fmt.Errorf("%w: unknown type %d", errCorrupt, l.Data[0])
	}
	if d.err != nil {
		panic(fmt.Sprintf("BUG: region %d entry %d: %v", f.id, l.Index, d.err))
	}
	return resp, writes, true
}

// prepareWrite validates every tablet against the schema first, so that a
// refused command changes nothing, then creates the missing series and
// returns the points to write; the caller holds the lock.
func (f *FSM) prepareWrite(d *decoder) ([]storage.SeriesWrite, any) {
	db, auto, _ := d.str(), d.bool(), d.str()
	tablets := d.tablets()
	if d.err != nil {
		return nil, nil
	}
	for _, t := range tablets {
		if err := f.checkTablet(t, auto); err != nil {
			return nil, err
		}
	}
	var writes []storage.SeriesWrite
	for _, t := range tablets {
		dev := f.ensureDevice(t.Device, t.Aligned, db)
		created := false
		for i, m := range t.Measurements {
			e := dev.series[m]
			if e == nil {
				e = f.newEntry(dev, model.Series{Path: t.Device.Append(m), Type: t.Columns[i].Type,
					Encoding: model.DefaultEncoding(t.Columns[i].Type), Compressor: model.DefaultCompressor})
				created = true
			}
			writes = append(writes, storage.SeriesWrite{ID: e.ID, Times: t.Times, Values: t.Columns[i]})
		}
		if created {
			f.mustStore("persist schema", func() error { return f.persistDevice(dev) })
		}
	}
	return writes, nil
}

func (f *FSM) checkTablet(t *model.Tablet, auto bool) error {
	dev := f.schema.devices[t.Device.String()]
	if dev != nil && len(dev.series) > 0 && dev.aligned != t.Aligned {
		if dev.aligned {
			return status.Errorf(status.AlignedTimeseriesError, "device %s is aligned: write it with an aligned insert", t.Device)
		}
		return status.Errorf(status.AlignedTimeseriesError, "device %s is not aligned: write it with a non-aligned insert", t.Device)
	}
	for i, m := range t.Measurements {
		var e *Entry
		if dev != nil {
			e = dev.series[m]
		}
		switch {
		case e == nil && dev != nil && dev.aliasOwner(m) != nil:
			return status.Errorf(status.AliasAlreadyExist, "%s is the alias of %s: write the series by its name", t.Device.Append(m), dev.aliasOwner(m).Path)
		case e == nil && !auto:
			return status.Errorf(status.PathNotExist, "path %s does not exist (auto-creation of schema is disabled)", t.Device.Append(m))
		case e != nil && e.Type != t.Columns[i].Type:
			return status.Errorf(status.DataTypeMismatch, "data type of %s is %s, not %s", e.Path, e.Type, t.Columns[i].Type)
		}
	}
	return nil
}

func (f *FSM) ensureDevice(p model.Path, aligned bool, db string) *device {
	key := p.String()
	dev := f.schema.devices[key]
	if dev == nil {
		dev = &device{path: p, aligned: aligned, database: db, series: make(map[string]*Entry)}
		f.schema.devices[key] = dev
	}
	if len(dev.series) == 0 {
		dev.aligned = aligned
	}
	return dev
}

func (f *FSM) newEntry(dev *device, s model.Series) *Entry {
	s.Aligned, s.Database = dev.aligned, dev.database
	e := &Entry{Series: s, ID: f.schema.nextID}
	f.schema.nextID++
	dev.series[s.Measurement()] = e
	dev.setAlias(s.Measurement(), "", s.Alias)
	return e
}

func (f *FSM) persistDevice(dev *device) error {
	b, err := json.Marshal(dev.record())
	if err != nil {
		return err
	}
	next, _ := json.Marshal(f.schema.nextID)
	if err := f.store.PutMeta(metaNextID, next); err != nil {
		return err
	}
	return f.store.PutMeta(append(append([]byte{}, metaDevicePrefix...), dev.path.String()...), b)
}

func (f *FSM) applyCreate(specs []model.Series) any {
	names := map[string]bool{} // device/name and device/alias of the batch
	for _, s := range specs {
		dev := f.schema.devices[s.Device().String()]
		if dev != nil {
			if dev.series[s.Measurement()] != nil || dev.aliasOwner(s.Measurement()) != nil {
				return status.Errorf(status.TimeseriesAlreadyExist, "timeseries %s already exists", s.Path)
			}
			if len(dev.series) > 0 && dev.aligned != s.Aligned {
				return status.Errorf(status.AlignedTimeseriesError, "device %s already has series of the other alignment", s.Device())
			}
		}
		if err := checkTagSize(&s); err != nil {
			return err
		}
		if s.Alias != "" {
			if s.Alias == s.Measurement() || names[s.Device().Append(s.Alias).String()] ||
				dev != nil && (dev.series[s.Alias] != nil || dev.aliasOwner(s.Alias) != nil) {
				return aliasExists(s.Alias, s.Path)
			}
			names[s.Device().Append(s.Alias).String()] = true
		}
		if names[s.Path.String()] {
			return aliasExists(s.Measurement(), s.Path)
		}
		names[s.Path.String()] = true
	}
	for _, s := range specs {
		dev := f.ensureDevice(s.Device(), s.Aligned, s.Database)
		f.newEntry(dev, s)
		f.mustStore("persist schema", func() error { return f.persistDevice(dev) })
	}
	return nil
}

// applyDelete removes points in [lo, hi] of the matching series and, when
// dropSchema is set, the series themselves. It makes the region durable
// first so that a restart never replays writes to a series past its
// deletion.
func (f *FSM) applyDelete(index uint64, patterns []model.Path, lo, hi int64, dropSchema bool) any {
	var ids []uint64
	seen := make(map[uint64]bool)
	for _, p := range patterns {
		for _, e := range f.schema.match(p) {
			if !seen[e.ID] {
				seen[e.ID] = true
				ids = append(ids, e.ID)
			}
		}
	}
	if len(ids) == 0 {
		if dropSchema {
			return status.Errorf(status.PathNotExist, "no timeseries matches %s", patternList(patterns))
		}
		return nil
	}
	if index > f.store.DurableIndex() {
		f.mustStore("delete", func() error { return f.store.Delete(index, ids, lo, hi) })
	}
	if dropSchema {
		for _, p := range patterns {
			for _, e := range f.schema.match(p) {
				f.dropEntry(e)
			}
		}
	}
	f.mustStore("flush after delete", f.store.Flush)
	return nil
}

func (f *FSM) dropEntry(e Entry) {
	key := e.Device().String()
	dev := f.schema.devices[key]
	delete(dev.series, e.Measurement())
	dev.setAlias(e.Measurement(), e.Alias, "")
	metaKey := append(append([]byte{}, metaDevicePrefix...), key...)
	if len(dev.series) == 0 {
		delete(f.schema.devices, key)
		f.mustStore("persist schema", func() error { return f.store.DeleteMeta(metaKey) })
	} else {
		f.mustStore("persist schema", func() error { return f.persistDevice(dev) })
	}
}

func patternList(ps []model.Path) string {
	s := ""
	for i, p := range ps {
		if i > 0 {
			s += ", "
		}
		s += p.String()
	}
	return s
}

// Match returns the region's series matching pattern, sorted by path, for
// reads: a pattern whose last node is a name also matches the series that
// have that name as their alias. Schema changes and deletions match names
// only.
func (f *FSM) Match(pattern model.Path) []Entry {
	f.mu.RLock()
	defer f.mu.RUnlock()
	out := f.schema.match(pattern)
	if aliased := f.schema.matchAlias(pattern); len(aliased) > 0 {
		out = append(out, aliased...)
		sort.Slice(out, func(i, j int) bool { return lessPath(out[i].Path, out[j].Path) })
	}
	return out
}

// Lookup returns the series of device p by measurement, for write
// validation before proposing.
func (f *FSM) Lookup(device model.Path) (aligned bool, series map[string]model.DataType) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	dev := f.schema.devices[device.String()]
	if dev == nil {
		return false, nil
	}
	series = make(map[string]model.DataType, len(dev.series))
	for m, e := range dev.series {
		series[m] = e.Type
	}
	return dev.aligned, series
}

// Check validates a tablet against the schema as Apply will, so that a
// write spanning several regions is refused before any region applies it.
func (f *FSM) Check(t *model.Tablet, autoCreate bool) error {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.checkTablet(t, autoCreate)
}

// Entry returns the series at path, if the region holds it.
func (f *FSM) Entry(path model.Path) (Entry, bool) {
	if len(path) < 2 {
		return Entry{}, false
	}
	f.mu.RLock()
	defer f.mu.RUnlock()
	dev := f.schema.devices[path.Parent().String()]
	if dev == nil {
		return Entry{}, false
	}
	e := dev.series[path.Last()]
	if e == nil {
		return Entry{}, false
	}
	return *e, true
}

// View returns a consistent read view of the region's data.
func (f *FSM) View() *storage.View {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.store.View()
}
