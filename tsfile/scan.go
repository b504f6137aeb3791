package tsfile

import "fmt"

// ChunkGroup is one device's chunks as they follow each other in the data section.
type ChunkGroup struct {
	Offset int64
	Device string
}

// Scan walks the data section from start to end, as it was written, calling group for each
// chunk group header and chunk for each chunk (pages decoded) of the current group. It
// needs no index, so it also reads a file whose metadata is damaged, except that the single
// page of a one-page chunk must be TS_2DIFF time-encoded to be counted without statistics.
func (r *Reader) Scan(group func(ChunkGroup) error, chunk func(ChunkGroup, *Chunk) error) error {
	off := int64(len(magic) + 1)
	var cur *ChunkGroup
	for off < r.metaOffset {
		marker, err := r.readAt(off, 1, "marker")
		if err != nil {
			return err
		}
		switch marker[0] {
		case markerChunkGroup:
			b, err := r.readAt(off, int(min(r.metaOffset-off, 1+5+1024)), "chunk group header")
			if err != nil {
				return err
			}
			c := &cursor{b: b, pos: 1}
			name := c.varString("device")
			if c.err != nil {
				return corruptAt(off, "chunk group header", c.err)
			}
			cur = &ChunkGroup{Offset: off, Device: name}
			if err := group(*cur); err != nil {
				return err
			}
			off += int64(c.pos)
		case markerSeparator:
			return &CorruptError{Offset: off, What: fmt.Sprintf("metadata separator before the metadata offset %d", r.metaOffset)}
		default:
			if cur == nil {
				return &CorruptError{Offset: off, What: "chunk before any chunk group header"}
			}
			ch, end, err := r.readChunk(ChunkMetadata{Offset: off})
			if err != nil {
				return err
			}
			if err := chunk(*cur, ch); err != nil {
				return err
			}
			off = end
		}
	}
	return nil
}
