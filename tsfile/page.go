package tsfile

import (
	"fmt"
	"math/bits"
)

// Page is one decoded page of a chunk.
type Page struct {
	// Offset is the file offset of the page header.
	Offset int64
	// Stats are the page's statistics; for the single page of a one-page chunk they are the
	// chunk's, taken from its metadata (nil when the chunk was read without metadata).
	Stats *Statistics
	// Times are the row times: every value's time in a non-aligned chunk, the rows of an
	// aligned device in a time chunk, nil in a value chunk.
	Times []int64
	// Values holds the values present, in row order (empty for a time chunk).
	Values Column
	// Present, for a value chunk of an aligned device, tells which of the Rows rows have a
	// value; nil elsewhere.
	Present []bool
	// Rows is the number of rows the page covers.
	Rows int
	// UncompressedSize and CompressedSize are the body sizes the page header gives (0 for
	// an empty page of a value chunk).
	UncompressedSize, CompressedSize int

	// offsets, in a page merged from overlapping chunks, is each value's chunk offset.
	offsets []int64
	// bodyOffset is the file offset of the page's (compressed) body.
	bodyOffset int64
}

// pageHeader precedes each page's body.
type pageHeader struct {
	uncompressed, compressed int
	stats                    *Statistics
}

// decodePages decodes every page of a chunk whose header h was read at offset off and
// whose body (h.dataSize bytes) starts at bodyOff. stats is the chunk's statistics when
// known (needed for the page count of a one-page chunk not encoded with TS_2DIFF).
func decodePages(h *chunkHeader, body []byte, bodyOff int64, stats *Statistics) ([]Page, error) {
	c := &cursor{b: body}
	var pages []Page
	for c.remaining() > 0 {
		start := c.pos
		ph := pageHeader{uncompressed: int(c.uvarint("page uncompressed size"))}
		if c.err == nil && ph.uncompressed == 0 {
			if !h.isValue() {
				c.fail("empty page in a %s chunk", map[bool]string{true: "time", false: "non-aligned"}[h.isTime()])
				break
			}
			pages = append(pages, Page{Offset: bodyOff + int64(start), Values: Column{Type: h.typ}})
			continue
		}
		ph.compressed = c.length("page compressed size", c.remaining())
		if h.onePage() {
			ph.stats = stats
		} else {
			ph.stats = readStatistics(c, h.typ)
		}
		raw := c.bytes(ph.compressed, "page body")
		if c.err != nil {
			break
		}
		pageOff := bodyOff + int64(start)
		if ph.uncompressed > maxPageSize {
			return nil, &CorruptError{Offset: pageOff, What: fmt.Sprintf("page of %s claims %d bytes uncompressed", h, ph.uncompressed)}
		}
		data, err := decompress(h.compression, raw, ph.uncompressed)
		if err != nil {
			return nil, corruptAt(pageOff, "page of "+h.String(), err)
		}
		p, err := decodePageBody(h, data, ph.stats)
		if err != nil {
			context := fmt.Sprintf("page of %s (%v, %v)", h, h.typ, h.encoding)
			if h.compression == Uncompressed {
				return nil, corruptAt(bodyOff+int64(c.pos-len(raw)), context, err)
			}
			// Positions inside a compressed body have no file offset: name the page.
			return nil, &CorruptError{Offset: pageOff, What: fmt.Sprintf("%s, uncompressed %s", context, err)}
		}
		p.Offset, p.Stats = pageOff, ph.stats
		p.UncompressedSize, p.CompressedSize = ph.uncompressed, ph.compressed
		p.bodyOffset = bodyOff + int64(c.pos-len(raw))
		pages = append(pages, p)
	}
	if c.err != nil {
		return nil, corruptAt(bodyOff, h.String(), c.err)
	}
	if h.onePage() && len(pages) > 1 {
		return nil, &CorruptError{Offset: bodyOff, What: fmt.Sprintf("one-page %s holds %d pages", h, len(pages))}
	}
	return pages, nil
}

// maxPageSize bounds what a page header may claim, so a corrupt size cannot make the reader
// allocate without limit. The reference writer closes pages at 64 KiB by default; only a
// single huge text value makes one larger.
const maxPageSize = 128 << 20

// decodePageBody decodes an uncompressed page body.
func decodePageBody(h *chunkHeader, data []byte, stats *Statistics) (Page, error) {
	c := &cursor{b: data}
	p := Page{Values: Column{Type: h.typ}}
	count := -1
	if stats != nil {
		count = stats.Count
	}
	switch {
	case h.isTime():
		p.Times = decodeTimes(c, h.encoding, count)
		p.Values = Column{Type: Vector}
	case h.isValue():
		rows := int(c.int32("value page row count"))
		if c.err == nil && (rows < 0 || (rows+7)/8 > c.remaining()) {
			c.fail("value page of %d rows with %d bytes", rows, c.remaining())
		}
		bitmap := c.bytes((rows+7)/8, "value page bitmap")
		if c.err != nil {
			return p, c.err
		}
		present := 0
		for _, b := range bitmap {
			present += bits.OnesCount8(b)
		}
		p.Present = make([]bool, rows)
		for i := range p.Present {
			p.Present[i] = bitmap[i/8]&(0x80>>(i%8)) != 0
		}
		if rows%8 != 0 && bitmap[len(bitmap)-1]&(0xff>>(rows%8)) != 0 {
			return p, &decodeError{pos: 4 + len(bitmap) - 1, msg: "bitmap marks rows past the page's row count"}
		}
		col, err := decodeValues(c.b[c.pos:], h.typ, h.encoding, present)
		if err != nil {
			return p, shiftError(err, c.pos)
		}
		p.Values, p.Rows = col, rows
		return p, nil
	default:
		size := c.length("page time length", c.remaining())
		tc := &cursor{b: c.bytes(size, "page times")}
		if c.err != nil {
			return p, c.err
		}
		p.Times = decodeTimes(tc, TS2Diff, count)
		if tc.err != nil {
			return p, shiftError(tc.err, c.pos-size)
		}
		col, err := decodeValues(c.b[c.pos:], h.typ, h.encoding, len(p.Times))
		if err != nil {
			return p, shiftError(err, c.pos)
		}
		p.Values = col
	}
	if c.err != nil {
		return p, c.err
	}
	p.Rows = len(p.Times)
	if count >= 0 && p.Rows != count {
		return p, &decodeError{msg: fmt.Sprintf("page holds %d times, its statistics count %d", p.Rows, count)}
	}
	return p, nil
}

// decodeTimes decodes a time column: n values, or with n < 0 every TS_2DIFF block there is.
func decodeTimes(c *cursor, e Encoding, n int) []int64 {
	if n > maxPageValues {
		c.fail("%d times in one page, more than the %d allowed", n, maxPageValues)
		return nil
	}
	if e == TS2Diff {
		return decodeTS2Diff64(c, n)
	}
	if n < 0 {
		c.fail("time column encoded with %v needs its statistics for the count", e)
		return nil
	}
	col, err := decodeValues(c.b[c.pos:], Int64, e, n)
	if err != nil {
		c.err = shiftError(err, c.pos)
		return nil
	}
	return col.Int64s
}

// shiftError moves a decodeError's position by off.
func shiftError(err error, off int) error {
	if de, ok := err.(*decodeError); ok {
		return &decodeError{pos: de.pos + off, msg: de.msg}
	}
	return err
}
