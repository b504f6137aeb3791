package tsfile

import "fmt"

// ChunkMetadata locates one chunk of a series.
type ChunkMetadata struct {
	Offset int64       // file offset of the chunk header
	Stats  *Statistics // the chunk's statistics
}

// TimeseriesMetadata describes one series of a device: its chunks and overall statistics.
// An aligned device has a time column (Measurement "", Type Vector) and value columns.
type TimeseriesMetadata struct {
	Measurement string
	Type        DataType
	TimeColumn  bool
	ValueColumn bool
	Stats       *Statistics
	Chunks      []ChunkMetadata
}

// readTimeseriesMetadata parses one entry of the metadata section.
func readTimeseriesMetadata(c *cursor) *TimeseriesMetadata {
	kind := c.byte("timeseries metadata type")
	ts := &TimeseriesMetadata{
		TimeColumn:  kind&timeColumnMask != 0,
		ValueColumn: kind&valueColumnMask != 0,
	}
	ts.Measurement = c.varString("measurement name")
	ts.Type = DataType(c.byte("data type"))
	if c.err == nil && !ts.Type.valid() {
		c.fail("unknown data type %d of series %q", byte(ts.Type), ts.Measurement)
	}
	size := c.length("chunk metadata list size", c.remaining())
	ts.Stats = readStatistics(c, ts.Type)
	list := cursor{b: c.bytes(size, "chunk metadata list")}
	base := c.pos - size
	for c.err == nil && list.err == nil && list.remaining() > 0 {
		cm := ChunkMetadata{Offset: list.int64("chunk offset"), Stats: ts.Stats}
		if kind&0x3f != 0 {
			cm.Stats = readStatistics(&list, ts.Type)
		}
		ts.Chunks = append(ts.Chunks, cm)
	}
	if list.err != nil && c.err == nil {
		de := list.err.(*decodeError)
		c.err = &decodeError{pos: base + de.pos, msg: de.msg}
	}
	return ts
}

func (ts *TimeseriesMetadata) append(b []byte) []byte {
	kind := byte(0)
	if len(ts.Chunks) > 1 {
		kind = 1
	}
	if ts.TimeColumn {
		kind |= timeColumnMask
	}
	if ts.ValueColumn {
		kind |= valueColumnMask
	}
	var list []byte
	for _, cm := range ts.Chunks {
		list = appendInt64(list, cm.Offset)
		if len(ts.Chunks) > 1 {
			list = cm.Stats.append(list)
		}
	}
	b = append(b, kind)
	b = appendVarString(b, ts.Measurement)
	b = append(b, byte(ts.Type))
	b = appendUvarint(b, uint32(len(list)))
	b = ts.Stats.append(b)
	return append(b, list...)
}

// indexEntry is a child of an index node: a name (device or measurement) and the offset
// where the child starts.
type indexEntry struct {
	name   string
	offset int64
}

// indexNode is a node of the metadata index tree. Child i spans from its offset to the next
// child's offset, the last to endOffset.
type indexNode struct {
	entries   []indexEntry
	endOffset int64
	kind      byte
}

func readIndexNode(c *cursor) *indexNode {
	n := c.length("index node children", c.remaining())
	node := &indexNode{}
	for i := 0; i < n && c.err == nil; i++ {
		name := c.varString("index entry name")
		node.entries = append(node.entries, indexEntry{name: name, offset: c.int64("index entry offset")})
	}
	node.endOffset = c.int64("index node end offset")
	node.kind = c.byte("index node type")
	if c.err == nil && node.kind > nodeLeafMeasurement {
		c.fail("unknown index node type %d", node.kind)
	}
	return node
}

func (n *indexNode) append(b []byte) []byte {
	b = appendUvarint(b, uint32(len(n.entries)))
	for _, e := range n.entries {
		b = appendVarString(b, e.name)
		b = appendInt64(b, e.offset)
	}
	b = appendInt64(b, n.endOffset)
	return append(b, n.kind)
}

// span returns the byte range of child i.
func (n *indexNode) span(i int) (int64, int64) {
	end := n.endOffset
	if i+1 < len(n.entries) {
		end = n.entries[i+1].offset
	}
	return n.entries[i].offset, end
}

// chunkHeader starts every chunk.
type chunkHeader struct {
	marker      byte
	measurement string
	dataSize    int
	typ         DataType
	compression Compression
	encoding    Encoding
}

func (h *chunkHeader) onePage() bool  { return h.marker&0x3f == markerOnePageChunk }
func (h *chunkHeader) isTime() bool   { return h.marker&timeColumnMask != 0 }
func (h *chunkHeader) isValue() bool  { return h.marker&valueColumnMask != 0 }
func (h *chunkHeader) String() string { return fmt.Sprintf("chunk %q", h.measurement) }

func readChunkHeader(c *cursor) *chunkHeader {
	start := c.pos
	h := &chunkHeader{marker: c.byte("chunk marker")}
	if c.err == nil {
		switch h.marker &^ (timeColumnMask | valueColumnMask) {
		case markerChunk, markerOnePageChunk:
		default:
			c.failAt(start, "byte %#x is not a chunk marker", h.marker)
		}
	}
	h.measurement = c.varString("chunk measurement")
	h.dataSize = int(c.uvarint("chunk data size"))
	fields := c.pos
	h.typ = DataType(c.byte("chunk data type"))
	h.compression = Compression(c.byte("chunk compression"))
	h.encoding = Encoding(c.byte("chunk encoding"))
	if c.err != nil {
		return h
	}
	switch {
	case !h.typ.valid():
		c.failAt(fields, "unknown data type %d", byte(h.typ))
	case compressionNames[h.compression] == "":
		c.failAt(fields+1, "unknown compression %d", byte(h.compression))
	case encodingNames[h.encoding] == "":
		c.failAt(fields+2, "unsupported encoding %d", byte(h.encoding))
	case h.isTime() != (h.typ == Vector):
		c.failAt(start, "chunk marker %#x with data type %v", h.marker, h.typ)
	}
	return h
}

func (h *chunkHeader) append(b []byte) []byte {
	b = append(b, h.marker)
	b = appendVarString(b, h.measurement)
	b = appendUvarint(b, uint32(h.dataSize))
	return append(b, byte(h.typ), byte(h.compression), byte(h.encoding))
}
