// Package tsfile reads and writes TsFile format version 3, the columnar file format Apache
// IoTDB 1.3 stores and exchanges time series in.
//
// A file is the magic "TsFile", a version byte, a sequence of chunk groups (one per device
// flush, each a device marker followed by chunks of pages), a metadata section (timeseries
// metadata per series, a tree of index nodes over devices and measurements, a bloom filter)
// and the magic again. The Reader walks the index and decodes one chunk at a time, so memory
// stays bounded by the largest chunk whatever the file size; the Writer buffers one chunk
// group and the per-series chunk metadata.
//
// Every decoding error on malformed input is a *CorruptError naming the file offset and what
// was wrong; no input makes the decoders panic (they are fuzzed).
package tsfile
