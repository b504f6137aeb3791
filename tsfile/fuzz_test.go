package tsfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readEverything reads all devices, series and rows of data, returning the first error.
func readEverything(data []byte) error {
	r, err := Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	devices, err := r.Devices()
	if err != nil {
		return err
	}
	for _, d := range devices {
		rows, err := r.Rows(d)
		if err != nil {
			return err
		}
		for rows.Next() {
			for i := range rows.Series() {
				rows.Value(i)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return r.Scan(func(ChunkGroup) error { return nil }, func(ChunkGroup, *Chunk) error { return nil })
}

func goldenSeeds(f *testing.F) [][]byte {
	var out [][]byte
	for _, name := range goldenFiles {
		data, err := os.ReadFile(filepath.Join("testdata", name+".tsfile"))
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}

// FuzzReadFile mutates whole files: reading must end in an error or success, never a panic.
// Run it with -fuzzminimizetime of a few seconds: minimizing a golden-sized input takes long.
func FuzzReadFile(f *testing.F) {
	for _, s := range goldenSeeds(f) {
		f.Add(s)
	}
	// Small files fuzz faster than the golden ones.
	for _, c := range allCompressions {
		for _, aligned := range []bool{false, true} {
			tab := sampleTablet("root.f.d", aligned, c, 1000, 12, aligned)
			f.Add(writeAll(f, WriterConfig{Compression: c, PagePoints: 5}, tab))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := readEverything(data)
		var ce *CorruptError
		if err != nil && !errors.As(err, &ce) {
			t.Fatalf("error that is not a CorruptError: %v", err)
		}
	})
}

// FuzzChunk decodes arbitrary chunk bodies under every header the golden files use.
func FuzzChunk(f *testing.F) {
	for _, data := range goldenSeeds(f) {
		r, err := Open(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			f.Fatal(err)
		}
		err = r.Scan(func(ChunkGroup) error { return nil }, func(_ ChunkGroup, c *Chunk) error {
			first := c.Pages[0].Offset
			last := c.Pages[len(c.Pages)-1]
			end := last.Offset + int64(last.CompressedSize) + 200
			body := data[first:min(int64(len(data)), end)]
			marker := byte(markerChunk)
			if c.SinglePage {
				marker = markerOnePageChunk
			}
			if c.TimeColumn {
				marker |= timeColumnMask
			}
			if c.ValueColumn {
				marker |= valueColumnMask
			}
			f.Add(marker, byte(c.Type), byte(c.Compression), byte(c.Encoding), body)
			return nil
		})
		if err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, marker, typ, comp, enc byte, body []byte) {
		h := &chunkHeader{marker: marker, typ: DataType(typ), compression: Compression(comp), encoding: Encoding(enc), dataSize: len(body)}
		if !h.typ.valid() || compressionNames[h.compression] == "" || encodingNames[h.encoding] == "" {
			return
		}
		decodePages(h, body, 0, &Statistics{Type: h.typ, Count: 100})
	})
}

// FuzzValues decodes arbitrary bytes with every encoding and type.
func FuzzValues(f *testing.F) {
	for _, typ := range []DataType{Boolean, Int32, Int64, Float, Double, Text} {
		for _, enc := range []Encoding{Plain, Dictionary, RLE, TS2Diff, Gorilla} {
			if !enc.Supports(typ) {
				continue
			}
			for _, col := range edgeColumns(typ, (typ == Float || typ == Double) && (enc == RLE || enc == TS2Diff)) {
				if col.Len() > 100 {
					continue
				}
				data, err := encodeValues(nil, col, enc)
				if err != nil {
					f.Fatal(err)
				}
				f.Add(byte(typ), byte(enc), uint16(col.Len()), data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, typ, enc byte, n uint16, data []byte) {
		col, err := decodeValues(data, DataType(typ), Encoding(enc), int(n))
		if err == nil && col.Len() != int(n) {
			t.Fatalf("decoded %d values, asked for %d", col.Len(), n)
		}
	})
}

// FuzzMods parses arbitrary .mods content; what parses must write and read back the same.
func FuzzMods(f *testing.F) {
	f.Add("DELETION,root.sg.d1.s1,1024,100,300\nDELETION,root.a,1,2\n")
	f.Add("DELETION,root.sg.`a,b`.**,77,-5,9\n")
	f.Fuzz(func(t *testing.T, in string) {
		dels, err := ReadMods(strings.NewReader(in))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteMods(&buf, dels); err != nil {
			t.Fatal(err)
		}
		back, err := ReadMods(&buf)
		if err != nil || len(back) != len(dels) {
			t.Fatalf("%q: read back %d of %d deletions: %v", in, len(back), len(dels), err)
		}
		for _, d := range dels {
			d.Matches("root.sg.d1", "s1")
		}
	})
}

// FuzzLZ4 compresses arbitrary bytes: the block must decompress to them.
func FuzzLZ4(f *testing.F) {
	f.Add([]byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabcabcabcabc"))
	f.Add(bytes.Repeat([]byte{1, 2, 3, 4, 5}, 20000))
	f.Fuzz(func(t *testing.T, data []byte) {
		back, err := decompress(LZ4, compressLZ4(data), len(data))
		if err != nil || !bytes.Equal(back, data) {
			t.Fatalf("%d bytes: %v", len(data), err)
		}
	})
}
