package transfer

import (
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"unsafe"

	"github.com/sluicedb/sluice/model"
)

// Smallest encoding of one series: node count, type, encoding, compressor,
// flags, alias length, tag and attribute counts.
const minSeriesBytes = 8

// Memory of a decoded series, charged against the reader's budget; a map
// entry is charged as two strings and a little more.
const (
	seriesBytes   = int(unsafe.Sizeof(model.Series{}))
	mapEntryBytes = 2*stringBytes + 16
)

// Series flags.
const flagSeriesAligned = 1

// EncodeSchema returns the body of a TypeSchema request. It is not
// compressed on its own: a sink with 'compressor' set wraps it in a
// compressed request like any other.
func EncodeSchema(s Schema) []byte {
	b := appendString(nil, s.Token)
	b = appendString(b, s.Origin)
	b = binary.AppendUvarint(b, uint64(len(s.Series)))
	for i := range s.Series {
		b = appendSeries(b, &s.Series[i])
	}
	return b
}

func appendSeries(b []byte, s *model.Series) []byte {
	b = binary.AppendUvarint(b, uint64(len(s.Path)))
	for _, n := range s.Path {
		b = appendString(b, n)
	}
	var flags byte
	if s.Aligned {
		flags |= flagSeriesAligned
	}
	b = append(b, byte(s.Type), byte(s.Encoding), byte(s.Compressor), flags)
	b = appendString(b, s.Alias)
	b = appendMap(b, s.Tags)
	return appendMap(b, s.Attributes)
}

// appendMap writes a map's pairs sorted by key, so that equal maps encode
// alike.
func appendMap(b []byte, m map[string]string) []byte {
	b = binary.AppendUvarint(b, uint64(len(m)))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		b = appendString(b, k)
		b = appendString(b, m[k])
	}
	return b
}

// SchemaToken returns the token of a TypeSchema body without decoding the
// rest, so that a receiver can turn away an unknown sender cheaply.
func SchemaToken(b []byte) (string, error) {
	r := reader{b: b}
	token := r.string("token")
	return token, r.err
}

// DecodeSchema reads a TypeSchema body whose series take at most about max
// bytes of memory (ErrTooLarge beyond). Every series it returns is well
// formed: a path of at least two nodes without wildcards, a known type,
// an encoding that supports it, a known compressor, and no key that is both
// a tag and an attribute.
func DecodeSchema(b []byte, max int) (Schema, error) {
	r := reader{b: b, budget: max, max: max}
	s := Schema{Token: r.string("token"), Origin: r.string("origin")}
	n := r.count(minSeriesBytes, "series count")
	if !r.alloc(n*seriesBytes, "the series") {
		return Schema{}, r.err
	}
	s.Series = make([]model.Series, 0, n)
	for range n {
		series := decodeSeries(&r)
		if r.err != nil {
			break
		}
		s.Series = append(s.Series, series)
	}
	r.end()
	if r.err != nil {
		return Schema{}, r.err
	}
	return s, nil
}

func decodeSeries(r *reader) model.Series {
	var s model.Series
	nodes := r.count(1, "path node count")
	if !r.alloc(nodes*stringBytes, "a series path") {
		return s
	}
	s.Path = make(model.Path, nodes)
	for i := range s.Path {
		s.Path[i] = r.string("path node")
	}
	s.Type = model.DataType(r.byte("data type"))
	s.Encoding = model.Encoding(r.byte("encoding"))
	s.Compressor = model.Compressor(r.byte("compressor"))
	flags := r.byte("series flags")
	s.Alias = r.string("alias")
	s.Tags = decodeMap(r, "tag")
	s.Attributes = decodeMap(r, "attribute")
	if r.err != nil {
		return s
	}
	if err := checkSeries(&s, flags); err != "" {
		r.fail("series %.128s: %s", s.Path, err)
	}
	s.Aligned = flags&flagSeriesAligned != 0
	return s
}

// checkSeries says what is wrong with a decoded series, "" when nothing.
func checkSeries(s *model.Series, flags byte) string {
	switch {
	case len(s.Path) < 2 || s.Path[0] != "root" || s.Path.HasWildcard() || slices.Contains(s.Path, ""):
		return "not a series path"
	case flags&^flagSeriesAligned != 0:
		return fmt.Sprintf("unknown flags %#x", flags)
	case !s.Type.Valid():
		return fmt.Sprintf("unknown data type %d", s.Type)
	case !knownName(s.Encoding.String(), model.ParseEncoding) || !s.Encoding.Supports(s.Type):
		return fmt.Sprintf("encoding %s does not support %s", s.Encoding, s.Type)
	case !knownName(s.Compressor.String(), model.ParseCompressor):
		return fmt.Sprintf("unknown compressor %d", s.Compressor)
	}
	for k := range s.Tags {
		if _, ok := s.Attributes[k]; ok {
			return fmt.Sprintf("key %.64q is both a tag and an attribute", k)
		}
	}
	return ""
}

// knownName reports whether parse accepts name, the String of a value:
// whether the value is one parse can produce.
func knownName[T any](name string, parse func(string) (T, error)) bool {
	_, err := parse(name)
	return err == nil
}

// decodeMap reads pairs into a map, nil when there are none; a key given
// twice is refused.
func decodeMap(r *reader, what string) map[string]string {
	n := r.count(2, what+" count")
	if n == 0 || !r.alloc(n*mapEntryBytes, what+"s") {
		return nil
	}
	m := make(map[string]string, n)
	for range n {
		k := r.string(what + " key")
		v := r.string(what + " value")
		if r.err != nil {
			return nil
		}
		if _, dup := m[k]; dup {
			r.fail("%s %.64q given twice", what, k)
			return nil
		}
		m[k] = v
	}
	return m
}
