package tsfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func goldenBytes(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name+".tsfile"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestCorruptInputNamesOffsetAndProblem damages the uncompressed golden file in known places
// and checks the error says where and what.
func TestCorruptInputNamesOffsetAndProblem(t *testing.T) {
	golden := goldenBytes(t, "uncompressed")
	// The first chunk (root.sg.d1.s_int32) starts at 19; its first page header at 31, whose
	// body (after sizes and statistics) starts at 78 with the time length 0x3e.
	cases := []struct {
		name   string
		mutate func([]byte) []byte
		offset int64
		what   string
	}{
		{"head magic", func(b []byte) []byte { b[0] = 'X'; return b }, 0, "head magic"},
		{"version", func(b []byte) []byte { b[6] = 2; return b }, 6, "format version 2"},
		{"truncated", func(b []byte) []byte { return b[:len(b)-3] }, int64(len(golden) - 9), "tail magic"},
		{"metadata size", func(b []byte) []byte { copy(b[len(b)-10:], []byte{0x7f, 0, 0, 0}); return b }, int64(len(golden) - 10), "metadata size"},
		{"chunk marker", func(b []byte) []byte { b[19] = 0x33; return b }, 19, "not a chunk marker"},
		{"chunk data type", func(b []byte) []byte { b[30] = 0x44; return b }, 30, "unknown data type 68"},
		{"chunk encoding", func(b []byte) []byte { b[32] = 13; return b }, 32, "unsupported encoding 13"},
		{"time length", func(b []byte) []byte { b[78], b[79] = 0xff, 0x7f; return b }, 78, "page time length: 16383 exceeds"},
		{"rle bit width", func(b []byte) []byte { b[143] = 0x40; return b }, 143, "rle bit width 64 exceeds 32"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := readEverything(tc.mutate(bytes.Clone(golden)))
			var ce *CorruptError
			if !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v is not a CorruptError", err)
			}
			if ce.Offset != tc.offset || !strings.Contains(ce.What, tc.what) {
				t.Fatalf("got %q at %d, want %q at %d", ce.What, ce.Offset, tc.what, tc.offset)
			}
		})
	}
}

// TestEveryTruncationAndByteFlipIsSafe cuts the file at many places and flips bytes all over
// it: a cut file never reads, and a damaged one fails with a CorruptError or reads, never panics.
func TestEveryTruncationAndByteFlipIsSafe(t *testing.T) {
	golden := goldenBytes(t, "snappy")
	for cut := 0; cut < len(golden); cut += 499 {
		if err := readEverything(golden[:cut]); err == nil {
			t.Fatalf("a file cut at %d read without error", cut)
		}
	}
	for i := 0; i < len(golden); i += 61 {
		b := bytes.Clone(golden)
		b[i] ^= 0xa5
		err := readEverything(b)
		var ce *CorruptError
		if err != nil && !errors.As(err, &ce) {
			t.Fatalf("flip at %d: error %v is not a CorruptError", i, err)
		}
	}
}
