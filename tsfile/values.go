package tsfile

import (
	"fmt"
	"math"
)

// maxPageValues bounds the values of one page (the reference writer puts at most 10,000 in a
// page by default), so a corrupt count cannot make a decoder allocate without limit.
const maxPageValues = 1 << 22

// decodeValues decodes n values of type t stored with encoding e from data.
func decodeValues(data []byte, t DataType, e Encoding, n int) (Column, error) {
	c := &cursor{b: data}
	if !e.Supports(t) {
		return Column{Type: t}, fmt.Errorf("encoding %v does not apply to %v", e, t)
	}
	if n == 0 {
		return Column{Type: t}, nil
	}
	col := Column{Type: t.physical()}
	if n > maxPageValues {
		return Column{Type: t}, &decodeError{msg: fmt.Sprintf("%d values in one page, more than the %d allowed", n, maxPageValues)}
	}
	switch e {
	case Plain:
		decodePlain(c, &col, n)
	case Dictionary:
		col.Texts = decodeDictionary(c, n)
	case RLE, TS2Diff:
		decodeIntegers(c, &col, e, n)
	case Gorilla:
		decodeGorillaColumn(c, &col, n)
	}
	if c.err != nil {
		return Column{Type: t}, c.err
	}
	col.Type = t
	return col, nil
}

func decodePlain(c *cursor, col *Column, n int) {
	for i := 0; i < n && c.err == nil; i++ {
		switch col.Type {
		case Boolean:
			col.Bools = append(col.Bools, c.byte("boolean") != 0)
		case Int32:
			col.Int32s = append(col.Int32s, c.varint("int32"))
		case Int64:
			col.Int64s = append(col.Int64s, c.int64("int64"))
		case Float:
			col.Floats = append(col.Floats, c.float32("float"))
		case Double:
			col.Doubles = append(col.Doubles, c.float64("double"))
		case Text:
			size := c.varint("text length")
			if size < 0 {
				c.fail("negative text length %d", size)
				return
			}
			col.Texts = append(col.Texts, c.bytes(int(size), "text"))
		}
	}
}

// decodeIntegers decodes RLE or TS_2DIFF values. Floats and doubles are stored as integers
// scaled by 10^p, p being an unsigned varint in front of the stream.
func decodeIntegers(c *cursor, col *Column, e Encoding, n int) {
	scale := 1.0
	if col.Type == Float || col.Type == Double {
		p := c.uvarint("float precision")
		if p > 0 {
			scale = math.Pow(10, float64(p))
		}
	}
	wide := col.Type == Int64 || col.Type == Double
	var longs []int64
	var ints []int32
	switch {
	case e == RLE && wide:
		for _, v := range decodeRLE(c, n, 64) {
			longs = append(longs, int64(v))
		}
	case e == RLE && col.Type == Boolean:
		for _, v := range decodeRLE(c, n, 32) {
			col.Bools = append(col.Bools, v != 0)
		}
		return
	case e == RLE:
		for _, v := range decodeRLE(c, n, 32) {
			ints = append(ints, int32(uint32(v)))
		}
	case wide:
		longs = decodeTS2Diff64(c, n)
	default:
		ints = decodeTS2Diff32(c, n)
	}
	switch col.Type {
	case Int32:
		col.Int32s = ints
	case Int64:
		col.Int64s = longs
	case Float:
		for _, v := range ints {
			col.Floats = append(col.Floats, float32(float64(v)/scale))
		}
	case Double:
		for _, v := range longs {
			col.Doubles = append(col.Doubles, float64(v)/scale)
		}
	}
}

func decodeGorillaColumn(c *cursor, col *Column, n int) {
	switch col.Type {
	case Int32:
		for _, v := range decodeGorilla(c, n, gorilla32) {
			col.Int32s = append(col.Int32s, int32(uint32(v)))
		}
	case Int64:
		for _, v := range decodeGorilla(c, n, gorilla64) {
			col.Int64s = append(col.Int64s, int64(v))
		}
	case Float:
		for _, v := range decodeGorilla(c, n, gorillaF32) {
			col.Floats = append(col.Floats, math.Float32frombits(uint32(v)))
		}
	case Double:
		for _, v := range decodeGorilla(c, n, gorillaF64) {
			col.Doubles = append(col.Doubles, math.Float64frombits(v))
		}
	}
}

// DICTIONARY stores a zigzag varint entry count, the entries as zigzag varint length and
// bytes, then the entry index of every value, RLE encoded.
func decodeDictionary(c *cursor, n int) [][]byte {
	size := c.varint("dictionary size")
	if c.err == nil && (size < 0 || int(size) > c.remaining()) {
		c.fail("dictionary of %d entries with %d bytes left", size, c.remaining())
	}
	if c.err != nil {
		return nil
	}
	entries := make([][]byte, 0, size)
	for i := 0; i < int(size) && c.err == nil; i++ {
		l := c.varint("dictionary entry length")
		if l < 0 {
			c.fail("negative dictionary entry length %d", l)
			break
		}
		entries = append(entries, c.bytes(int(l), "dictionary entry"))
	}
	idx := decodeRLE(c, n, 32)
	out := make([][]byte, 0, len(idx))
	for _, i := range idx {
		if i >= uint64(len(entries)) {
			c.fail("dictionary index %d out of %d entries", i, len(entries))
			return nil
		}
		out = append(out, entries[i])
	}
	return out
}

// floatPrecision is the number of decimal digits kept when floats or doubles are stored with
// RLE or TS_2DIFF, as the reference writer's default.
const floatPrecision = 2

// encodeValues appends col's values under encoding e.
func encodeValues(dst []byte, col Column, e Encoding) ([]byte, error) {
	if !e.Supports(col.Type) {
		return nil, fmt.Errorf("tsfile: encoding %v does not apply to %v", e, col.Type)
	}
	col.Type = col.Type.physical()
	switch e {
	case Plain:
		return encodePlain(dst, col), nil
	case Dictionary:
		return encodeDictionary(dst, col.Texts), nil
	case Gorilla:
		return encodeGorillaColumn(dst, col), nil
	}
	scale := 1.0
	if col.Type == Float || col.Type == Double {
		dst = appendUvarint(dst, floatPrecision)
		scale = math.Pow(10, floatPrecision)
	}
	var ints []int32
	var longs []int64
	switch col.Type {
	case Boolean:
		vals := make([]uint64, len(col.Bools))
		for i, b := range col.Bools {
			if b {
				vals[i] = 1
			}
		}
		return encodeRLE(dst, vals), nil
	case Int32:
		ints = col.Int32s
	case Int64:
		longs = col.Int64s
	case Float:
		ints = make([]int32, len(col.Floats))
		for i, f := range col.Floats {
			ints[i] = int32(math.Round(float64(f) * scale))
		}
	case Double:
		longs = make([]int64, len(col.Doubles))
		for i, f := range col.Doubles {
			longs[i] = int64(math.Round(f * scale))
		}
	}
	if e == TS2Diff {
		if ints != nil || col.Type == Int32 || col.Type == Float {
			return encodeTS2Diff32(dst, ints), nil
		}
		return encodeTS2Diff64(dst, longs), nil
	}
	var vals []uint64
	if col.Type == Int32 || col.Type == Float {
		for _, v := range ints {
			vals = append(vals, uint64(uint32(v)))
		}
	} else {
		for _, v := range longs {
			vals = append(vals, uint64(v))
		}
	}
	return encodeRLE(dst, vals), nil
}

func encodePlain(dst []byte, col Column) []byte {
	switch col.Type {
	case Boolean:
		for _, b := range col.Bools {
			if b {
				dst = append(dst, 1)
			} else {
				dst = append(dst, 0)
			}
		}
	case Int32:
		for _, v := range col.Int32s {
			dst = appendVarint(dst, v)
		}
	case Int64:
		for _, v := range col.Int64s {
			dst = appendInt64(dst, v)
		}
	case Float:
		for _, v := range col.Floats {
			dst = appendInt32(dst, int32(math.Float32bits(v)))
		}
	case Double:
		for _, v := range col.Doubles {
			dst = appendInt64(dst, int64(math.Float64bits(v)))
		}
	case Text:
		for _, v := range col.Texts {
			dst = appendVarint(dst, int32(len(v)))
			dst = append(dst, v...)
		}
	}
	return dst
}

func encodeDictionary(dst []byte, texts [][]byte) []byte {
	index := map[string]uint64{}
	var entries [][]byte
	idx := make([]uint64, len(texts))
	for i, t := range texts {
		k, ok := index[string(t)]
		if !ok {
			k = uint64(len(entries))
			index[string(t)] = k
			entries = append(entries, t)
		}
		idx[i] = k
	}
	dst = appendVarint(dst, int32(len(entries)))
	for _, e := range entries {
		dst = appendVarint(dst, int32(len(e)))
		dst = append(dst, e...)
	}
	return encodeRLE(dst, idx)
}

func encodeGorillaColumn(dst []byte, col Column) []byte {
	var vals []uint64
	w := gorilla32
	switch col.Type {
	case Int32:
		for _, v := range col.Int32s {
			vals = append(vals, uint64(uint32(v)))
		}
	case Int64:
		w = gorilla64
		for _, v := range col.Int64s {
			vals = append(vals, uint64(v))
		}
	case Float:
		w = gorillaF32
		for _, v := range col.Floats {
			vals = append(vals, uint64(math.Float32bits(v)))
		}
	case Double:
		w = gorillaF64
		for _, v := range col.Doubles {
			vals = append(vals, math.Float64bits(v))
		}
	}
	return encodeGorilla(dst, vals, w)
}
