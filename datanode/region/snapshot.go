package region

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/hashicorp/raft"

	"github.com/sluicedb/sluice/consensus"
	"github.com/sluicedb/sluice/storage"
)

// A region snapshot has two forms, which share one header:
//
//	kind u8 | version u8 | region u32 | index u64 | crc u32 (CRC-32C of the 14 bytes before it)
//
// A marker (kind consensus.SnapshotMarker, 'M') is the header alone: the
// region's storage is durable up to index. Raft stores it as the local
// snapshot. A data stream (kind 'D') is the header followed by the
// storage export of the region at index; the group sends it to a follower
// in place of the marker, and the follower stores it as received.
const (
	snapshotData      byte = 'D'
	snapshotVersion   byte = 1
	snapshotHeaderLen      = 18
)

// ErrBadSnapshot is wrapped by errors about snapshot bytes that are no
// region snapshot.
var ErrBadSnapshot = errors.New("bad region snapshot")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type snapshotHeader struct {
	kind   byte
	region uint32
	index  uint64
}

func (h snapshotHeader) encode() []byte {
	b := make([]byte, 0, snapshotHeaderLen)
	b = append(b, h.kind, snapshotVersion)
	b = binary.BigEndian.AppendUint32(b, h.region)
	b = binary.BigEndian.AppendUint64(b, h.index)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

func readSnapshotHeader(r io.Reader) (snapshotHeader, error) {
	var b [snapshotHeaderLen]byte
	if n, err := io.ReadFull(r, b[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return snapshotHeader{}, fmt.Errorf("%w: %d bytes, want a %d-byte header", ErrBadSnapshot, n, snapshotHeaderLen)
		}
		return snapshotHeader{}, err
	}
	h := snapshotHeader{kind: b[0], region: binary.BigEndian.Uint32(b[2:]), index: binary.BigEndian.Uint64(b[6:])}
	switch {
	case h.kind != consensus.SnapshotMarker && h.kind != snapshotData:
		return h, fmt.Errorf("%w: unknown kind %#x", ErrBadSnapshot, h.kind)
	case crc32.Checksum(b[:14], castagnoli) != binary.BigEndian.Uint32(b[14:]):
		return h, fmt.Errorf("%w: header checksum mismatch", ErrBadSnapshot)
	case b[1] != snapshotVersion:
		return h, fmt.Errorf("%w: version %d, want %d", ErrBadSnapshot, b[1], snapshotVersion)
	}
	return h, nil
}

// Snapshot implements raft.FSM: it makes the region durable up to the last
// applied entry, so that Raft may truncate the log below it, and returns a
// marker of that index.
func (f *FSM) Snapshot() (raft.FSMSnapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lost {
		return nil, fmt.Errorf("region %d: no state to snapshot after a failed install", f.id)
	}
	if err := f.store.Flush(); err != nil {
		return nil, fmt.Errorf("flush region %d for snapshot: %w", f.id, err)
	}
	f.logBytes.Store(0)
	return marker(snapshotHeader{kind: consensus.SnapshotMarker, region: f.id, index: f.store.DurableIndex()}.encode()), nil
}

// marker is the FSMSnapshot of a region: its encoded header.
type marker []byte

// Persist implements raft.FSMSnapshot.
func (m marker) Persist(sink raft.SnapshotSink) error {
	if _, err := sink.Write(m); err != nil {
		sink.Cancel()
		return fmt.Errorf("persist region snapshot: %w", err)
	}
	return sink.Close()
}

// Release implements raft.FSMSnapshot.
func (marker) Release() {}

// OpenSnapshot implements consensus.StreamingFSM: given a marker of this
// region, it captures the region's current state (at or past the marker's
// index) and returns it as a data stream of exactly size bytes. Applying
// waits only while the region is flushed and captured; the stream reads
// from the capture.
func (f *FSM) OpenSnapshot(m io.Reader) (int64, io.ReadCloser, error) {
	h, err := readSnapshotHeader(m)
	if err != nil {
		return 0, nil, fmt.Errorf("region %d: open snapshot: %w", f.id, err)
	}
	if h.kind != consensus.SnapshotMarker || h.region != f.id {
		return 0, nil, fmt.Errorf("region %d: open snapshot: %w: kind %q of region %d is not a marker of this region", f.id, ErrBadSnapshot, h.kind, h.region)
	}
	exp, err := f.store.Export(&f.applying)
	if err != nil {
		return 0, nil, fmt.Errorf("region %d: open snapshot: %w", f.id, err)
	}
	if exp.Index() < h.index {
		_ = exp.Close()
		return 0, nil, fmt.Errorf("region %d: open snapshot: data reaches index %d, below the marker's %d", f.id, exp.Index(), h.index)
	}
	hdr := snapshotHeader{kind: snapshotData, region: f.id, index: exp.Index()}.encode()
	return int64(len(hdr)) + exp.Size(), &dataStream{hdr: hdr, exp: exp}, nil
}

// dataStream is a data snapshot being read: header, then export.
type dataStream struct {
	hdr []byte // not yet read
	exp *storage.Export
}

func (d *dataStream) Read(p []byte) (int, error) {
	if len(d.hdr) > 0 {
		n := copy(p, d.hdr)
		d.hdr = d.hdr[n:]
		return n, nil
	}
	return d.exp.Read(p)
}

func (d *dataStream) WriteTo(w io.Writer) (int64, error) {
	var n int64
	if len(d.hdr) > 0 {
		m, err := w.Write(d.hdr)
		d.hdr = d.hdr[m:]
		n += int64(m)
		if err != nil {
			return n, err
		}
	}
	m, err := d.exp.WriteTo(w)
	return n + m, err
}

func (d *dataStream) Close() error { return d.exp.Close() }

// Restore implements raft.FSM.
//
// A data stream whose index the region has already applied (a replica
// restarting from a stream it once installed, or one that caught up
// meanwhile) changes nothing. Otherwise the stream replaces the region:
// storage, schema and applied index. If that fails after the region was
// cleared, the region is left empty and refuses to apply entries (panics)
// until an install succeeds; Raft's leader retries the install, and a
// restart installs the stream Raft stored before restoring it.
//
// A marker, which the group passes as stored only when it starts, needs
// the region to be durable up to its index already.
func (f *FSM) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	h, err := readSnapshotHeader(rc)
	if err != nil {
		return fmt.Errorf("region %d: restore snapshot: %w", f.id, err)
	}
	if h.region != f.id {
		return fmt.Errorf("region %d: restore snapshot: %w: snapshot of region %d", f.id, ErrBadSnapshot, h.region)
	}
	// Like an entry, a restore is applied whole before a capture for a
	// snapshot (OpenSnapshot) may look at the region.
	f.applying.Lock()
	defer f.applying.Unlock()
	f.mu.Lock()
	defer f.mu.Unlock()
	have := f.applied.Load()
	if f.lost {
		have = 0
	}
	if h.kind == consensus.SnapshotMarker {
		if have < h.index {
			return fmt.Errorf("region %d: snapshot marker at index %d but local data only reaches %d", f.id, h.index, have)
		}
		return nil
	}
	if have >= h.index {
		f.logger.Info("snapshot already applied, nothing to install", "index", h.index, "applied", have)
		return nil
	}

	if err := f.store.Import(rc); err != nil {
		f.loseState()
		return fmt.Errorf("region %d: install snapshot at index %d: %w", f.id, h.index, err)
	}
	if got := f.store.DurableIndex(); got != h.index {
		f.loseState()
		return fmt.Errorf("region %d: install snapshot: %w: header index %d, data index %d", f.id, ErrBadSnapshot, h.index, got)
	}
	s, err := loadSchema(f.store)
	if err != nil {
		f.loseState()
		return fmt.Errorf("region %d: install snapshot: load schema: %w", f.id, err)
	}
	f.schema, f.lost = s, false
	f.applied.Store(h.index)
	f.logBytes.Store(0)
	f.imports.Add(1)
	f.notifyApplied()
	f.logger.Info("snapshot installed", "index", h.index)
	return nil
}

// loseState marks the state gone after a failed install; the caller holds
// mu.
func (f *FSM) loseState() {
	f.schema, f.lost = newSchema(), true
	f.applied.Store(0)
}
