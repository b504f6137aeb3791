package model

import (
	"fmt"
	"strings"
)

// DataType is a series' value type, numbered as IoTDB's TSDataType.
type DataType int8

// The six value types.
const (
	Boolean DataType = 0
	Int32   DataType = 1
	Int64   DataType = 2
	Float   DataType = 3
	Double  DataType = 4
	Text    DataType = 5
)

var dataTypeNames = [...]string{"BOOLEAN", "INT32", "INT64", "FLOAT", "DOUBLE", "TEXT"}

// String returns IoTDB's upper-case name of the type.
func (t DataType) String() string {
	if t >= 0 && int(t) < len(dataTypeNames) {
		return dataTypeNames[t]
	}
	return fmt.Sprintf("DataType(%d)", int8(t))
}

// Valid reports whether t is one of the six types.
func (t DataType) Valid() bool { return t >= Boolean && t <= Text }

// ParseDataType reads a type name, case-insensitively.
func ParseDataType(s string) (DataType, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	for i, n := range dataTypeNames {
		if n == u {
			return DataType(i), nil
		}
	}
	return 0, fmt.Errorf("unknown data type %q", s)
}

// Encoding is a series' declared encoding, numbered as IoTDB's TSEncoding.
// Sluice records it in the schema and reports it in SHOW TIMESERIES; the
// storage engine picks its own per-chunk codec.
type Encoding int8

// Encodings known to IoTDB clients.
const (
	Plain           Encoding = 0
	PlainDictionary Encoding = 1
	RLE             Encoding = 2
	Diff            Encoding = 3
	TS2Diff         Encoding = 4
	Bitmap          Encoding = 5
	GorillaV1       Encoding = 6
	Regular         Encoding = 7
	Gorilla         Encoding = 8
	ZigZag          Encoding = 9
	Freq            Encoding = 10
	Chimp           Encoding = 11
	Sprintz         Encoding = 12
	RLBE            Encoding = 13
)

var encodingNames = [...]string{"PLAIN", "DICTIONARY", "RLE", "DIFF", "TS_2DIFF", "BITMAP",
	"GORILLA_V1", "REGULAR", "GORILLA", "ZIGZAG", "FREQ", "CHIMP", "SPRINTZ", "RLBE"}

// String returns IoTDB's name of the encoding.
func (e Encoding) String() string {
	if e >= 0 && int(e) < len(encodingNames) {
		return encodingNames[e]
	}
	return fmt.Sprintf("Encoding(%d)", int8(e))
}

// ParseEncoding reads an encoding name, case-insensitively.
func ParseEncoding(s string) (Encoding, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	if u == "PLAIN_DICTIONARY" {
		return PlainDictionary, nil
	}
	for i, n := range encodingNames {
		if n == u {
			return Encoding(i), nil
		}
	}
	return 0, fmt.Errorf("unknown encoding %q", s)
}

// DefaultEncoding is the encoding IoTDB assigns to an auto-created series of type t.
func DefaultEncoding(t DataType) Encoding {
	switch t {
	case Boolean, Text:
		return Plain
	case Float, Double:
		return Gorilla
	default:
		return TS2Diff
	}
}

// Compressor is a series' declared compressor, numbered as IoTDB's CompressionType.
type Compressor int8

// Compressors known to IoTDB clients.
const (
	Uncompressed Compressor = 0
	Snappy       Compressor = 1
	Gzip         Compressor = 2
	LZO          Compressor = 3
	SDT          Compressor = 4
	PAA          Compressor = 5
	PLA          Compressor = 6
	LZ4          Compressor = 7
	ZSTD         Compressor = 8
	LZMA2        Compressor = 9
)

var compressorNames = [...]string{"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "SDT", "PAA", "PLA", "LZ4", "ZSTD", "LZMA2"}

// String returns IoTDB's name of the compressor.
func (c Compressor) String() string {
	if c >= 0 && int(c) < len(compressorNames) {
		return compressorNames[c]
	}
	return fmt.Sprintf("Compressor(%d)", int8(c))
}

// ParseCompressor reads a compressor name, case-insensitively.
func ParseCompressor(s string) (Compressor, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	for i, n := range compressorNames {
		if n == u {
			return Compressor(i), nil
		}
	}
	return 0, fmt.Errorf("unknown compressor %q", s)
}

// DefaultCompressor is the compressor IoTDB assigns to an auto-created series.
const DefaultCompressor = LZ4

// Supports reports whether encoding e can encode values of type t, by
// IoTDB's rules: BOOLEAN takes PLAIN and RLE; the integers also TS_2DIFF,
// GORILLA, ZIGZAG, CHIMP, SPRINTZ and RLBE; the floats the same without
// ZIGZAG; TEXT takes PLAIN and DICTIONARY.
func (e Encoding) Supports(t DataType) bool {
	switch t {
	case Boolean:
		return e == Plain || e == RLE
	case Int32, Int64:
		switch e {
		case Plain, RLE, TS2Diff, Gorilla, ZigZag, Chimp, Sprintz, RLBE:
			return true
		}
	case Float, Double:
		switch e {
		case Plain, RLE, TS2Diff, Gorilla, Chimp, Sprintz, RLBE:
			return true
		}
	case Text:
		return e == Plain || e == PlainDictionary
	}
	return false
}
