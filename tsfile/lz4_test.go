package tsfile

import (
	"bytes"
	"testing"
)

// TestLZ4MatchesReferencePages recompresses every LZ4 page of the golden files (the time
// columns of the aligned devices) and compares with the reference compressor's bytes.
func TestLZ4MatchesReferencePages(t *testing.T) {
	pages := 0
	for _, name := range goldenFiles {
		data := goldenBytes(t, name)
		r, err := Open(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		err = r.Scan(func(ChunkGroup) error { return nil }, func(_ ChunkGroup, c *Chunk) error {
			if c.Compression != LZ4 {
				return nil
			}
			for _, p := range c.Pages {
				raw := data[p.bodyOffset : p.bodyOffset+int64(p.CompressedSize)]
				plain, err := decompress(LZ4, raw, p.UncompressedSize)
				if err != nil {
					t.Fatal(err)
				}
				if got := compressLZ4(plain); !bytes.Equal(got, raw) {
					t.Fatalf("%s page at %d: compressed to % x\nreference % x", name, p.Offset, got, raw)
				}
				pages++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if pages == 0 {
		t.Fatal("no LZ4 page in the golden files")
	}
	t.Logf("%d pages identical", pages)
}
