package tsfile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
)

// Reader reads a TsFile through an io.ReaderAt, one index node or chunk at a time. Its
// methods may be called from several goroutines at once; each Rows belongs to one.
type Reader struct {
	r          io.ReaderAt
	size       int64
	closer     io.Closer
	root       *indexNode
	metaOffset int64
	bloom      *BloomFilter
}

// OpenFile opens the TsFile at path; Close closes it.
func OpenFile(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	r, err := Open(f, st.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r.closer = f
	return r, nil
}

// Open reads the head, tail and file metadata of the size-byte TsFile in r.
func Open(r io.ReaderAt, size int64) (*Reader, error) {
	rd := &Reader{r: r, size: size}
	const minSize = int64(len(magic)+1) + 4 + int64(len(magic))
	if size < minSize {
		return nil, &CorruptError{Offset: 0, What: fmt.Sprintf("%d bytes are too few for a TsFile", size)}
	}
	head, err := rd.readAt(0, len(magic)+1, "file head")
	if err != nil {
		return nil, err
	}
	if string(head[:len(magic)]) != magic {
		return nil, &CorruptError{Offset: 0, What: fmt.Sprintf("head magic is %q, not %q", head[:len(magic)], magic)}
	}
	if head[len(magic)] != formatVersion {
		return nil, &CorruptError{Offset: int64(len(magic)), What: fmt.Sprintf("format version %d, only %d is supported", head[len(magic)], formatVersion)}
	}
	tail, err := rd.readAt(size-4-int64(len(magic)), 4+len(magic), "file tail")
	if err != nil {
		return nil, err
	}
	if string(tail[4:]) != magic {
		return nil, &CorruptError{Offset: size - int64(len(magic)), What: fmt.Sprintf("tail magic is %q (file incomplete?)", tail[4:])}
	}
	metaSize := int64(int32(binary.BigEndian.Uint32(tail)))
	metaStart := size - 4 - int64(len(magic)) - metaSize
	if metaSize <= 0 || metaStart < int64(len(magic)+1) {
		return nil, &CorruptError{Offset: size - 4 - int64(len(magic)), What: fmt.Sprintf("file metadata size %d does not fit the file", metaSize)}
	}
	meta, err := rd.readAt(metaStart, int(metaSize), "file metadata")
	if err != nil {
		return nil, err
	}
	c := &cursor{b: meta}
	rd.root = readIndexNode(c)
	rd.metaOffset = c.int64("metadata offset")
	if c.err == nil && c.remaining() > 0 {
		rd.bloom = readBloomFilter(c)
	}
	if c.err != nil {
		return nil, corruptAt(metaStart, "file metadata", c.err)
	}
	if rd.root.kind != nodeLeafDevice && rd.root.kind != nodeInternalDevice {
		return nil, &CorruptError{Offset: metaStart, What: fmt.Sprintf("root index node has type %d, not a device node", rd.root.kind)}
	}
	return rd, nil
}

// Close closes the file OpenFile opened; it does nothing for a Reader from Open.
func (r *Reader) Close() error {
	if r.closer == nil {
		return nil
	}
	return r.closer.Close()
}

// BloomFilter returns the file's bloom filter over series paths, nil if it has none.
func (r *Reader) BloomFilter() *BloomFilter { return r.bloom }

func (r *Reader) readAt(off int64, n int, what string) ([]byte, error) {
	if off < 0 || n < 0 || off+int64(n) > r.size {
		return nil, &CorruptError{Offset: off, What: fmt.Sprintf("%s of %d bytes runs past the end of the %d-byte file", what, n, r.size)}
	}
	b := make([]byte, n)
	if _, err := r.r.ReadAt(b, off); err != nil && !(errors.Is(err, io.EOF) && n > 0) {
		return nil, fmt.Errorf("read %s at %d: %w", what, off, err)
	}
	return b, nil
}

// readNode reads the index node stored in [start, end).
func (r *Reader) readNode(start, end int64) (*indexNode, error) {
	if end <= start || end > r.metaLimit() || start < r.metaOffset {
		return nil, &CorruptError{Offset: start, What: fmt.Sprintf("index node range [%d, %d) lies outside the metadata section", start, end)}
	}
	b, err := r.readAt(start, int(end-start), "index node")
	if err != nil {
		return nil, err
	}
	c := &cursor{b: b}
	n := readIndexNode(c)
	if c.err != nil {
		return nil, corruptAt(start, "index node", c.err)
	}
	return n, nil
}

func (r *Reader) metaLimit() int64 { return r.size - 4 - int64(len(magic)) }

// Devices returns the names of the file's devices in index order (sorted).
func (r *Reader) Devices() ([]string, error) {
	var names []string
	w := &indexWalk{r: r, seen: map[int64]bool{}}
	err := w.devices(r.root, func(name string, _ *indexNode, _ int) (bool, error) {
		names = append(names, name)
		return true, nil
	})
	return names, err
}

// indexWalk visits index nodes, each at most once: in a tree written by a TsFile writer every
// node has one parent, so a node reached twice means a corrupt (possibly cyclic) index.
type indexWalk struct {
	r    *Reader
	seen map[int64]bool
}

func (w *indexWalk) child(node *indexNode, i int) (*indexNode, error) {
	start, end := node.span(i)
	if w.seen[start] {
		return nil, &CorruptError{Offset: start, What: "index node reached twice"}
	}
	w.seen[start] = true
	return w.r.readNode(start, end)
}

// devices calls fn for every device entry under node (with its leaf node and entry index)
// until fn returns false.
func (w *indexWalk) devices(node *indexNode, fn func(string, *indexNode, int) (bool, error)) error {
	_, err := w.deviceNodes(node, fn)
	return err
}

func (w *indexWalk) deviceNodes(node *indexNode, fn func(string, *indexNode, int) (bool, error)) (bool, error) {
	for i, e := range node.entries {
		switch node.kind {
		case nodeLeafDevice:
			if more, err := fn(e.name, node, i); !more || err != nil {
				return false, err
			}
		case nodeInternalDevice:
			child, err := w.child(node, i)
			if err != nil {
				return false, err
			}
			if child.kind != nodeLeafDevice && child.kind != nodeInternalDevice {
				return false, &CorruptError{Offset: e.offset, What: fmt.Sprintf("device index child has type %d", child.kind)}
			}
			if more, err := w.deviceNodes(child, fn); !more || err != nil {
				return false, err
			}
		default:
			return false, &CorruptError{Offset: e.offset, What: fmt.Sprintf("index node of type %d among device nodes", node.kind)}
		}
	}
	return true, nil
}

// ErrNoDevice is returned for a device the file does not hold.
var ErrNoDevice = errors.New("tsfile: no such device")

// Series returns the timeseries metadata of device in file order (sorted by measurement;
// for an aligned device the time column, named "", first).
func (r *Reader) Series(device string) ([]*TimeseriesMetadata, error) {
	w := &indexWalk{r: r, seen: map[int64]bool{}}
	node := r.root
	for node.kind == nodeInternalDevice {
		// Entries name the first device under each child; the device is under the last
		// child whose name is not after it.
		i := sort.Search(len(node.entries), func(k int) bool { return node.entries[k].name > device }) - 1
		if i < 0 {
			return nil, fmt.Errorf("%w: %q", ErrNoDevice, device)
		}
		child, err := w.child(node, i)
		if err != nil {
			return nil, err
		}
		node = child
	}
	if node.kind != nodeLeafDevice {
		return nil, &CorruptError{Offset: node.endOffset, What: fmt.Sprintf("index node of type %d among device nodes", node.kind)}
	}
	for i, e := range node.entries {
		if e.name != device {
			continue
		}
		m, err := w.child(node, i)
		if err != nil {
			return nil, err
		}
		return w.series(m, nil)
	}
	return nil, fmt.Errorf("%w: %q", ErrNoDevice, device)
}

func (w *indexWalk) series(node *indexNode, out []*TimeseriesMetadata) ([]*TimeseriesMetadata, error) {
	r := w.r
	for i := range node.entries {
		start, end := node.span(i)
		switch node.kind {
		case nodeInternalMeasurement:
			child, err := w.child(node, i)
			if err != nil {
				return nil, err
			}
			if out, err = w.series(child, out); err != nil {
				return nil, err
			}
		case nodeLeafMeasurement:
			if end <= start || start < r.metaOffset || end > r.metaLimit() {
				return nil, &CorruptError{Offset: start, What: fmt.Sprintf("timeseries metadata range [%d, %d) lies outside the metadata section", start, end)}
			}
			b, err := r.readAt(start, int(end-start), "timeseries metadata")
			if err != nil {
				return nil, err
			}
			c := &cursor{b: b}
			for c.remaining() > 0 && c.err == nil {
				ts := readTimeseriesMetadata(c)
				if c.err == nil {
					out = append(out, ts)
				}
			}
			if c.err != nil {
				return nil, corruptAt(start, "timeseries metadata", c.err)
			}
		default:
			return nil, &CorruptError{Offset: start, What: fmt.Sprintf("index node of type %d among measurement nodes", node.kind)}
		}
	}
	return out, nil
}

// Chunk is one chunk read from the file, its pages decoded.
type Chunk struct {
	Offset      int64
	Measurement string
	Type        DataType
	Encoding    Encoding
	Compression Compression
	// TimeColumn and ValueColumn tell the chunk of an aligned device's time or value column;
	// SinglePage a chunk written with the one-page marker (no page statistics).
	TimeColumn, ValueColumn, SinglePage bool
	Pages                               []Page
}

// ReadChunk reads and decodes the chunk cm locates.
func (r *Reader) ReadChunk(cm ChunkMetadata) (*Chunk, error) {
	ch, _, err := r.readChunk(cm)
	return ch, err
}

// readChunk reads a chunk and returns the offset where it ends.
func (r *Reader) readChunk(cm ChunkMetadata) (*Chunk, int64, error) {
	if cm.Offset < int64(len(magic)+1) || cm.Offset >= r.metaOffset {
		return nil, 0, &CorruptError{Offset: cm.Offset, What: "chunk offset outside the data section"}
	}
	// A chunk header is at most 1 + 5 + name + 5 + 3 bytes; read a prefix, then the rest.
	prefix, err := r.readAt(cm.Offset, int(min(64, r.metaOffset-cm.Offset)), "chunk header")
	if err != nil {
		return nil, 0, err
	}
	c := &cursor{b: prefix}
	c.byte("chunk marker")
	nameLen := c.varint("chunk measurement length")
	if c.err == nil && nameLen > 0 && int(nameLen)+c.pos+8 > len(prefix) {
		if prefix, err = r.readAt(cm.Offset, int(min(int64(c.pos)+int64(nameLen)+13, r.metaOffset-cm.Offset)), "chunk header"); err != nil {
			return nil, 0, err
		}
	}
	c = &cursor{b: prefix}
	h := readChunkHeader(c)
	if c.err != nil {
		return nil, 0, corruptAt(cm.Offset, "chunk header", c.err)
	}
	bodyOff := cm.Offset + int64(c.pos)
	if int64(h.dataSize) > r.metaOffset-bodyOff {
		return nil, 0, &CorruptError{Offset: cm.Offset, What: fmt.Sprintf("%s of %d bytes runs into the metadata section", h, h.dataSize)}
	}
	body, err := r.readAt(bodyOff, h.dataSize, "chunk body")
	if err != nil {
		return nil, 0, err
	}
	pages, err := decodePages(h, body, bodyOff, cm.Stats)
	if err != nil {
		return nil, 0, err
	}
	return &Chunk{Offset: cm.Offset, Measurement: h.measurement, Type: h.typ, Encoding: h.encoding,
		Compression: h.compression, Pages: pages, TimeColumn: h.isTime(), ValueColumn: h.isValue(),
		SinglePage: h.onePage()}, bodyOff + int64(h.dataSize), nil
}
