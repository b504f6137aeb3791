package tsfile

import "fmt"

// DataType is the type of a series' values, numbered as in the file format.
type DataType byte

// Data types. Vector marks the time column of an aligned device.
const (
	Boolean DataType = 0
	Int32   DataType = 1
	Int64   DataType = 2
	Float   DataType = 3
	Double  DataType = 4
	Text    DataType = 5
	Vector  DataType = 6
	// The types IoTDB 1.3.1 added: TIMESTAMP is stored as INT64, DATE (yyyyMMdd) as INT32,
	// BLOB and STRING as TEXT; they differ in statistics and allowed encodings.
	Timestamp DataType = 8
	Date      DataType = 9
	Blob      DataType = 10
	String    DataType = 11
)

var dataTypeNames = map[DataType]string{
	Boolean: "BOOLEAN", Int32: "INT32", Int64: "INT64", Float: "FLOAT", Double: "DOUBLE",
	Text: "TEXT", Vector: "VECTOR", Timestamp: "TIMESTAMP", Date: "DATE", Blob: "BLOB",
	String: "STRING",
}

// physical is the type whose value layout t uses.
func (t DataType) physical() DataType {
	switch t {
	case Timestamp:
		return Int64
	case Date:
		return Int32
	case Blob, String:
		return Text
	}
	return t
}

func (t DataType) String() string {
	if s, ok := dataTypeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("DataType(%d)", byte(t))
}

func (t DataType) valid() bool { _, ok := dataTypeNames[t]; return ok }

// Encoding is how a page's values are encoded, numbered as in the file format.
type Encoding byte

// Encodings this package reads and writes.
const (
	Plain      Encoding = 0
	Dictionary Encoding = 1
	RLE        Encoding = 2
	TS2Diff    Encoding = 4
	Gorilla    Encoding = 8
)

var encodingNames = map[Encoding]string{
	Plain: "PLAIN", Dictionary: "DICTIONARY", RLE: "RLE", TS2Diff: "TS_2DIFF", Gorilla: "GORILLA",
}

func (e Encoding) String() string {
	if s, ok := encodingNames[e]; ok {
		return s
	}
	return fmt.Sprintf("Encoding(%d)", byte(e))
}

// Supports reports whether values of type t can be stored with encoding e.
func (e Encoding) Supports(t DataType) bool {
	if t == Blob {
		return e == Plain
	}
	if t == Vector || !t.valid() {
		return false
	}
	t = t.physical()
	switch e {
	case Plain:
		return true
	case Dictionary:
		return t == Text
	case RLE, TS2Diff:
		return t == Int32 || t == Int64 || t == Float || t == Double || (e == RLE && t == Boolean)
	case Gorilla:
		return t == Int32 || t == Int64 || t == Float || t == Double
	}
	return false
}

// Compression is a page compression codec, numbered as in the file format.
type Compression byte

// Compressions.
const (
	Uncompressed Compression = 0
	Snappy       Compression = 1
	Gzip         Compression = 2
	LZ4          Compression = 7
	Zstd         Compression = 8
	LZMA2        Compression = 9
)

var compressionNames = map[Compression]string{
	Uncompressed: "UNCOMPRESSED", Snappy: "SNAPPY", Gzip: "GZIP", LZ4: "LZ4", Zstd: "ZSTD",
	LZMA2: "LZMA2",
}

func (c Compression) String() string {
	if s, ok := compressionNames[c]; ok {
		return s
	}
	return fmt.Sprintf("Compression(%d)", byte(c))
}

// File layout constants.
const (
	magic         = "TsFile"
	formatVersion = 3

	markerChunkGroup   = 0
	markerChunk        = 1 // chunk with several pages, each page header has statistics
	markerSeparator    = 2
	markerOnePageChunk = 5 // chunk with one page, statistics only in the chunk metadata
	timeColumnMask     = 0x80
	valueColumnMask    = 0x40

	// maxIndexDegree is the number of children of an index node (and the stride of
	// measurement index entries) the reference writer uses.
	maxIndexDegree = 256
)

// Index node types.
const (
	nodeInternalDevice      = 0
	nodeLeafDevice          = 1
	nodeInternalMeasurement = 2
	nodeLeafMeasurement     = 3
)
