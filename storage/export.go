package storage

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// ErrBadExport is wrapped by Import's errors about a stream that is not a
// whole, intact export (truncated, corrupt, out of order).
var ErrBadExport = errors.New("bad region export")

// Export stream, version 1. Integers in the header are big endian, lengths
// and counts uvarints, checksums CRC-32C:
//
//	header:  "SLRX" | version u8 | index u64 | crc u32 (of the 13 bytes before it)
//	record:  'k' | key length | key | value length | value | crc u32 (of the record before it)
//	trailer: 'e' | record count | crc u32 (of the trailer before it)
//
// A record is one pebble key of the region without its 5-byte region prefix,
// so a stream can be imported under any region id. Keys are strictly
// increasing. The state key is no record: the header carries the index.
const (
	exportMagic     = "SLRX"
	exportVersion   = 1
	exportHeaderLen = len(exportMagic) + 1 + 8 + 4
	tagRecord       = 'k'
	tagEnd          = 'e'

	// Bounds Import trusts before the record's checksum is verified.
	maxExportKey   = 1 << 20
	maxExportValue = 1 << 30

	exportBufBytes   = 64 << 10 // encoded per fill of an Export
	importBatchBytes = 4 << 20  // pebble batch size while importing
	importReadStep   = 1 << 20  // a value buffer grows by at most this per read
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

const (
	phaseHeader = iota
	phaseRecords
	phaseDone
)

// Export is a region captured for transfer to another replica: a pebble
// snapshot of the region's key range, read as a stream in the format above.
// It is read once, through Read or WriteTo, which continue where the other
// stopped (like bytes.Reader); reads must not overlap. Close releases the
// snapshot; closing the region closes its exports too, after which reading
// fails with ErrClosed.
type Export struct {
	r     *Region
	snap  *pebble.Snapshot
	index uint64
	size  int64
	count uint64 // records

	// mu guards the iterator against Close.
	mu     sync.Mutex
	closed bool
	err    error // sticky
	phase  int
	it     *pebble.Iterator
	n      uint64 // records encoded so far
	buf    []byte // encoded, buf[off:] not yet read
	off    int
}

// Export flushes the region and captures it, then counts the stream's size
// on the capture. It does not block writes for the count.
//
// If hold is not nil, it is locked from before the flush until the capture
// is taken. A caller whose log entries change more than one thing (points,
// deletes and metadata) holds hold around applying each entry; the capture
// then falls between two entries, so that it is exactly the state after
// entry Index. With a nil hold, writes and deletes must not run concurrently
// with Export for that to hold.
func (r *Region) Export(hold sync.Locker) (*Export, error) {
	if hold != nil {
		hold.Lock()
	}
	err := r.Flush()
	var release func()
	var snap *pebble.Snapshot
	if err == nil {
		if release, err = r.acquire(); err == nil {
			snap = r.db.NewSnapshot()
		}
	}
	if hold != nil {
		hold.Unlock()
	}
	if err != nil {
		return nil, fmt.Errorf("export region %d: %w", r.id, err)
	}
	defer release()
	e := &Export{r: r, snap: snap}
	if err := e.measure(); err != nil {
		_ = snap.Close()
		return nil, fmt.Errorf("export region %d: %w", r.id, err)
	}
	r.viewsMu.Lock()
	r.exports[e] = struct{}{}
	r.viewsMu.Unlock()
	r.logger.Debug("region export captured", "index", e.index, "records", e.count, "bytes", e.size)
	return e, nil
}

// Index is the durable index of the captured region: the stream holds the
// state after the log entry at Index.
func (e *Export) Index() uint64 { return e.index }

// Size is the exact length of the whole stream.
func (e *Export) Size() int64 { return e.size }

// measure reads the index and counts the records and bytes of the stream.
func (e *Export) measure() error {
	v, closer, err := e.snap.Get(stateKey(e.r.id))
	switch {
	case errors.Is(err, pebble.ErrNotFound):
	case err != nil:
		return err
	default:
		if len(v) != 8 {
			closer.Close()
			return fmt.Errorf("region state of %d bytes", len(v))
		}
		e.index = binary.BigEndian.Uint64(v)
		closer.Close()
	}
	it, err := e.newIter()
	if err != nil {
		return err
	}
	size := int64(exportHeaderLen)
	for it.First(); it.Valid(); it.Next() {
		k := it.Key()[regionKeyLen:]
		if isStateRecord(k) {
			continue
		}
		v, err := it.ValueAndErr()
		if err != nil {
			_ = it.Close()
			return err
		}
		size += recordLen(len(k), len(v))
		e.count++
	}
	if err := it.Close(); err != nil {
		return err
	}
	e.size = size + trailerLen(e.count)
	return nil
}

func (e *Export) newIter() (*pebble.Iterator, error) {
	return e.snap.NewIter(&pebble.IterOptions{LowerBound: regionPrefix(e.r.id), UpperBound: regionEnd(e.r.id)})
}

// Read implements io.Reader.
func (e *Export) Read(p []byte) (int, error) {
	for e.off == len(e.buf) {
		if err := e.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, e.buf[e.off:])
	e.off += n
	return n, nil
}

// WriteTo implements io.WriterTo: it writes the rest of the stream to w.
func (e *Export) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		if e.off < len(e.buf) {
			n, err := w.Write(e.buf[e.off:])
			e.off += n
			total += int64(n)
			if err != nil {
				return total, err
			}
			continue
		}
		if err := e.fill(); err == io.EOF {
			return total, nil
		} else if err != nil {
			return total, err
		}
	}
}

// fill encodes the next part of the stream into buf; io.EOF at the end.
func (e *Export) fill() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return ErrClosed
	}
	if e.err != nil {
		return e.err
	}
	e.buf, e.off = e.buf[:0], 0
	switch e.phase {
	case phaseHeader:
		it, err := e.newIter()
		if err != nil {
			e.err = fmt.Errorf("export region %d: %w", e.r.id, err)
			return e.err
		}
		it.First()
		e.it, e.phase = it, phaseRecords
		e.buf = appendExportHeader(e.buf, e.index)
	case phaseRecords:
		for e.it.Valid() && len(e.buf) < exportBufBytes {
			if k := e.it.Key()[regionKeyLen:]; !isStateRecord(k) {
				v, err := e.it.ValueAndErr()
				if err != nil {
					e.err = fmt.Errorf("export region %d: %w", e.r.id, err)
					return e.err
				}
				e.buf = appendRecord(e.buf, k, v)
				e.n++
			}
			e.it.Next()
		}
		if e.it.Valid() {
			return nil
		}
		err := e.it.Close()
		e.it = nil
		if err == nil && e.n != e.count {
			err = fmt.Errorf("BUG: %d records under a snapshot that counted %d", e.n, e.count)
		}
		if err != nil {
			e.err = fmt.Errorf("export region %d: %w", e.r.id, err)
			return e.err
		}
		e.buf = appendTrailer(e.buf, e.n)
		e.phase = phaseDone
	default:
		return io.EOF
	}
	return nil
}

// Close releases the capture. It is idempotent.
func (e *Export) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	if e.it != nil {
		_ = e.it.Close()
		e.it = nil
	}
	err := e.snap.Close()
	e.mu.Unlock()
	e.r.viewsMu.Lock()
	delete(e.r.exports, e)
	e.r.viewsMu.Unlock()
	return err
}

// Import replaces the region's whole content with an export stream, from
// this or another region (keys are stored without region id). It deletes
// the region's keys, drops its memtables, then writes the records in
// bounded batches as it validates them, and finally the exported index as
// the durable index, synced. Afterwards DurableIndex and the last applied
// index are the exported index.
//
// Import must not run concurrently with Write, Delete or metadata changes
// of the region; views taken during it may see part of the import.
//
// On error (a stream failing validation wraps ErrBadExport) the region is
// left empty with durable index 0, so that the caller may import again. A
// crash during Import leaves either the old content or an incomplete import
// without durable index (0), never a mix that claims an index.
func (r *Region) Import(src io.Reader) error {
	start := time.Now()
	r.flushMu.Lock()
	defer r.flushMu.Unlock()
	release, err := r.acquire()
	if err != nil {
		return err
	}
	defer release()

	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return ErrClosed
	}
	held := r.mem.bytes
	if r.imm != nil {
		held += r.imm.bytes
	}
	r.mem, r.imm = newMemtable(), nil
	r.m.memtableBytes.Sub(float64(held))
	r.lastIndex, r.applied, r.lastView = 0, false, 0
	r.durable.Store(0)
	r.cond.Broadcast()
	r.mu.Unlock()

	index, records, err := r.importStream(src)
	if err != nil {
		if derr := r.db.DeleteRange(regionPrefix(r.id), regionEnd(r.id), pebble.Sync); derr != nil {
			err = errors.Join(err, fmt.Errorf("clear after failure: %w", derr))
		}
		return fmt.Errorf("import region %d: %w", r.id, err)
	}
	r.mu.Lock()
	r.lastIndex, r.applied, r.lastView = index, index > 0, index
	r.mu.Unlock()
	r.durable.Store(index)
	r.logger.Info("region imported", "index", index, "records", records, "duration", time.Since(start))
	return nil
}

// importStream clears the region and writes the records of src, returning
// the exported index and the record count.
func (r *Region) importStream(src io.Reader) (uint64, uint64, error) {
	if err := r.db.DeleteRange(regionPrefix(r.id), regionEnd(r.id), pebble.NoSync); err != nil {
		return 0, 0, err
	}
	br := bufio.NewReaderSize(src, 256<<10)
	var hdr [exportHeaderLen]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return 0, 0, truncated(err, "header")
	}
	if string(hdr[:4]) != exportMagic {
		return 0, 0, fmt.Errorf("%w: not an export (magic %q)", ErrBadExport, hdr[:4])
	}
	if crc32.Checksum(hdr[:13], castagnoli) != binary.BigEndian.Uint32(hdr[13:]) {
		return 0, 0, fmt.Errorf("%w: header checksum mismatch", ErrBadExport)
	}
	if hdr[4] != exportVersion {
		return 0, 0, fmt.Errorf("%w: version %d, want %d", ErrBadExport, hdr[4], exportVersion)
	}
	index := binary.BigEndian.Uint64(hdr[5:13])

	b := r.db.NewBatch()
	defer func() { _ = b.Close() }()
	prefix := regionPrefix(r.id)
	var (
		n              uint64
		prev, key, val []byte
		full           = slices.Clone(prefix)
	)
	for {
		tag, err := br.ReadByte()
		if err != nil {
			return 0, 0, truncated(err, fmt.Sprintf("record %d", n))
		}
		if tag == tagEnd {
			break
		}
		if tag != tagRecord {
			return 0, 0, fmt.Errorf("%w: record %d: unknown tag %#x", ErrBadExport, n, tag)
		}
		kl, err := binary.ReadUvarint(br)
		if err != nil {
			return 0, 0, truncated(err, fmt.Sprintf("record %d key length", n))
		}
		if kl == 0 || kl > maxExportKey {
			return 0, 0, fmt.Errorf("%w: record %d: key length %d", ErrBadExport, n, kl)
		}
		if key, err = readBounded(br, key, int(kl)); err != nil {
			return 0, 0, truncated(err, fmt.Sprintf("record %d key", n))
		}
		vl, err := binary.ReadUvarint(br)
		if err != nil {
			return 0, 0, truncated(err, fmt.Sprintf("record %d value length", n))
		}
		if vl > maxExportValue {
			return 0, 0, fmt.Errorf("%w: record %d: value length %d", ErrBadExport, n, vl)
		}
		if val, err = readBounded(br, val, int(vl)); err != nil {
			return 0, 0, truncated(err, fmt.Sprintf("record %d value", n))
		}
		var sum [4]byte
		if _, err := io.ReadFull(br, sum[:]); err != nil {
			return 0, 0, truncated(err, fmt.Sprintf("record %d checksum", n))
		}
		if recordCRC(key, val) != binary.BigEndian.Uint32(sum[:]) {
			return 0, 0, fmt.Errorf("%w: record %d: checksum mismatch", ErrBadExport, n)
		}
		if !validExportKey(key) {
			return 0, 0, fmt.Errorf("%w: record %d: unexpected key %x", ErrBadExport, n, key)
		}
		if prev != nil && bytes.Compare(prev, key) >= 0 {
			return 0, 0, fmt.Errorf("%w: record %d: key %x not after %x", ErrBadExport, n, key, prev)
		}
		prev = append(prev[:0], key...)
		full = append(full[:len(prefix)], key...)
		if err := b.Set(full, val, nil); err != nil {
			return 0, 0, err
		}
		n++
		if b.Len() >= importBatchBytes {
			if err := r.room(b.Len()); err != nil {
				return 0, 0, err
			}
			if err := b.Commit(pebble.NoSync); err != nil {
				return 0, 0, err
			}
			b.Reset()
		}
	}

	count, err := binary.ReadUvarint(br)
	if err != nil {
		return 0, 0, truncated(err, "trailer")
	}
	var sum [4]byte
	if _, err := io.ReadFull(br, sum[:]); err != nil {
		return 0, 0, truncated(err, "trailer checksum")
	}
	if crc32.Checksum(binary.AppendUvarint([]byte{tagEnd}, count), castagnoli) != binary.BigEndian.Uint32(sum[:]) {
		return 0, 0, fmt.Errorf("%w: trailer checksum mismatch", ErrBadExport)
	}
	if count != n {
		return 0, 0, fmt.Errorf("%w: %d records, trailer says %d", ErrBadExport, n, count)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		if err == nil {
			return 0, 0, fmt.Errorf("%w: data after the trailer", ErrBadExport)
		}
		return 0, 0, err
	}
	if err := b.Set(stateKey(r.id), encodeIndex(index), nil); err != nil {
		return 0, 0, err
	}
	if err := r.room(b.Len()); err != nil {
		return 0, 0, err
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return 0, 0, err
	}
	return index, n, nil
}

// truncated maps the end of the stream to ErrBadExport; other read errors
// are the source's and pass through.
func truncated(err error, what string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: stream ends in %s", ErrBadExport, what)
	}
	return fmt.Errorf("read %s: %w", what, err)
}

// readBounded reads n bytes into buf, growing it as the bytes arrive, so
// that a corrupt length allocates no more than the stream holds.
func readBounded(r io.Reader, buf []byte, n int) ([]byte, error) {
	buf = buf[:0]
	for len(buf) < n {
		step := min(n-len(buf), importReadStep)
		buf = slices.Grow(buf, step)
		m, err := io.ReadFull(r, buf[len(buf):len(buf)+step])
		buf = buf[:len(buf)+m]
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

func validExportKey(k []byte) bool {
	switch k[0] {
	case kindChunk:
		return len(k) == chunkKeyLen-regionKeyLen
	case kindMeta:
		return true
	}
	return false
}

func isStateRecord(k []byte) bool { return len(k) == 1 && k[0] == kindState }

func appendExportHeader(b []byte, index uint64) []byte {
	start := len(b)
	b = append(b, exportMagic...)
	b = append(b, exportVersion)
	b = binary.BigEndian.AppendUint64(b, index)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b[start:], castagnoli))
}

func appendRecord(b, k, v []byte) []byte {
	start := len(b)
	b = append(b, tagRecord)
	b = binary.AppendUvarint(b, uint64(len(k)))
	b = append(b, k...)
	b = binary.AppendUvarint(b, uint64(len(v)))
	b = append(b, v...)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b[start:], castagnoli))
}

// recordCRC is the checksum appendRecord gives a record of k and v.
func recordCRC(k, v []byte) uint32 {
	var lenBuf [binary.MaxVarintLen64]byte
	c := crc32.Update(0, castagnoli, []byte{tagRecord})
	c = crc32.Update(c, castagnoli, lenBuf[:binary.PutUvarint(lenBuf[:], uint64(len(k)))])
	c = crc32.Update(c, castagnoli, k)
	c = crc32.Update(c, castagnoli, lenBuf[:binary.PutUvarint(lenBuf[:], uint64(len(v)))])
	return crc32.Update(c, castagnoli, v)
}

func appendTrailer(b []byte, count uint64) []byte {
	start := len(b)
	b = append(b, tagEnd)
	b = binary.AppendUvarint(b, count)
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b[start:], castagnoli))
}

func recordLen(k, v int) int64 {
	return int64(1 + uvarintLen(uint64(k)) + k + uvarintLen(uint64(v)) + v + 4)
}

func trailerLen(count uint64) int64 { return int64(1 + uvarintLen(count) + 4) }

func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}
