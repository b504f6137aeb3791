package transfer

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"testing"
)

func TestParseCompressors(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []Compressor
		bad  bool
	}{
		{in: "", want: nil},
		{in: " , ", want: nil},
		{in: "snappy", want: []Compressor{Snappy}},
		{in: "GZIP, lz4 ,zstd,lzma2", want: []Compressor{Gzip, LZ4, Zstd, LZMA2}},
		{in: "zstd,zstd", want: []Compressor{Zstd, Zstd}},
		{in: "none", want: nil},
		{in: " NONE ", want: nil},
		{in: "none,zstd", bad: true},
		{in: "brotli", bad: true},
		{in: "snappy,snappy,snappy,snappy,snappy,snappy,snappy,snappy,snappy", bad: true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseCompressors(tc.in)
			if (err != nil) != tc.bad {
				t.Fatalf("err = %v, want error %v", err, tc.bad)
			}
			if !tc.bad && !equalCompressors(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func equalCompressors(a, b []Compressor) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// bodies are request bodies to round-trip: empty, tiny, a real tablets
// request, incompressible bytes and a long repetitive run.
func bodies() map[string][]byte {
	noise := make([]byte, 100_000)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	return map[string][]byte{
		"empty":   {},
		"tiny":    []byte("x"),
		"tablets": EncodeTabletsUncompressed(Tablets{Token: "tok", Origin: "o", Tablets: sampleTablets()}),
		"noise":   noise,
		"zeros":   make([]byte, 256<<10),
	}
}

// TestCompressedRoundTrip encodes with every compressor alone, chained,
// and at several zstd levels, and decodes back the request.
func TestCompressedRoundTrip(t *testing.T) {
	chains := [][]Compressor{{Snappy}, {Gzip}, {LZ4}, {Zstd}, {LZMA2}, {Snappy, Zstd}, {LZ4, Gzip, LZMA2}, {Zstd, Zstd}}
	for name, body := range bodies() {
		for _, cs := range chains {
			for _, level := range []int{DefaultZstdLevel, MinZstdLevel, 1, MaxZstdLevel} {
				if level != DefaultZstdLevel && !equalCompressors(cs, []Compressor{Zstd}) {
					continue
				}
				enc, err := EncodeCompressed(Version, TypeTablets, body, cs, level)
				if err != nil {
					t.Fatalf("%s %v level %d: %v", name, cs, level, err)
				}
				if enc[0] != byte(len(cs)) || enc[1] != byte(cs[0]) || binary.BigEndian.Uint32(enc[2:6]) != uint32(3+len(body)) {
					t.Fatalf("%s %v: header % x is not IoTDB's (count, id, big-endian input length)", name, cs, enc[:6])
				}
				v, typ, got, err := DecodeCompressed(enc, 2<<20)
				if err != nil {
					t.Fatalf("%s %v level %d: decode: %v", name, cs, level, err)
				}
				if v != Version || typ != TypeTablets || !bytes.Equal(got, body) {
					t.Fatalf("%s %v level %d: got version %d type %d and %d bytes, want %d", name, cs, level, v, typ, len(got), len(body))
				}
				if b := CompressedBound(enc, 2<<20); b < len(body) {
					t.Fatalf("%s %v: bound %d below the body's %d bytes", name, cs, b, len(body))
				}
			}
		}
	}
}

func TestDecodeCompressedRefuses(t *testing.T) {
	body := bodies()["zeros"] // 256 KiB
	enc := func(cs ...Compressor) []byte {
		b, err := EncodeCompressed(Version, TypeTablets, body, cs, DefaultZstdLevel)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// over the limit: refused from the header, before decompressing
	for _, c := range []Compressor{Snappy, Gzip, LZ4, Zstd, LZMA2} {
		b := enc(c)
		if _, _, _, err := DecodeCompressed(b, len(body)); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s over the limit: err = %v, want ErrTooLarge", c, err)
		}
		if CompressedBound(b, len(body)) != 0 {
			t.Errorf("%s over the limit: bound is not 0", c)
		}
	}
	lie := func(b []byte, size uint32) []byte {
		b = bytes.Clone(b)
		binary.BigEndian.PutUint32(b[2:6], size)
		return b
	}
	for _, c := range []Compressor{Snappy, Gzip, LZ4, Zstd, LZMA2} {
		for _, size := range []uint32{1, 3 + 256<<10 - 1, 3 + 256<<10 + 1, 1 << 31} {
			if _, _, _, err := DecodeCompressed(lie(enc(c), size), 4<<20); err == nil {
				t.Errorf("%s announcing %d bytes for %d: no error", c, size, 3+len(body))
			} else if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooLarge) {
				t.Errorf("%s: error %v wraps neither ErrCorrupt nor ErrTooLarge", c, err)
			}
		}
	}
	for name, b := range map[string][]byte{
		"empty":          {},
		"no compressors": {0},
		"unknown":        {1, 9, 0, 0, 0, 1, 0},
		"truncated":      {1, 3, 0, 0},
		"garbage":        {1, 3, 0, 0, 0, 10, 1, 2, 3},
		"nested":         mustEncode(t, mustEncode(t, []byte("x"))),
	} {
		if _, _, _, err := DecodeCompressed(b, 1<<20); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: err = %v, want ErrCorrupt", name, err)
		}
	}
}

// mustEncode wraps body as a compressed request; wrapping its result
// again gives a compressed request inside a compressed one.
func mustEncode(t *testing.T, body []byte) []byte {
	t.Helper()
	b, err := EncodeCompressed(Version, TypeCompressed, body, []Compressor{Snappy}, DefaultZstdLevel)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDecodeCompressedBomb: a small body announcing the limit is refused
// by the block formats' ratio before allocating, and the streams stop at
// the announced size.
func TestDecodeCompressedBomb(t *testing.T) {
	huge := make([]byte, 8<<20)
	for _, c := range []Compressor{Gzip, Zstd, LZMA2} {
		b, err := EncodeCompressed(Version, TypeTablets, huge, []Compressor{c}, DefaultZstdLevel)
		if err != nil {
			t.Fatal(err)
		}
		binary.BigEndian.PutUint32(b[2:6], 1<<20) // claims 1 MiB
		if _, _, _, err := DecodeCompressed(b, 2<<20); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s bomb: err = %v, want ErrCorrupt", c, err)
		}
	}
	tiny := []byte{1, byte(LZ4), 0, 0x10, 0, 0, 0x10, 'x'} // 1 MiB from 2 bytes
	if _, _, _, err := DecodeCompressed(tiny, 2<<20); !errors.Is(err, ErrCorrupt) {
		t.Errorf("lz4 claim past its ratio: err = %v", err)
	}
}

func TestXZDictRefused(t *testing.T) {
	b, err := EncodeCompressed(Version, TypeTablets, []byte("hello"), []Compressor{LZMA2}, DefaultZstdLevel)
	if err != nil {
		t.Fatal(err)
	}
	// The LZMA2 property byte is the last of the block header's filter
	// flags; make it ask for 1 GiB.
	stream := b[1+compressorEntryBytes:]
	hdr := stream[12 : 12+(int(stream[12])+1)*4]
	i := bytes.Index(hdr, []byte{0x21, 0x01})
	if i < 0 {
		t.Fatalf("no LZMA2 filter in % x", hdr)
	}
	hdr[i+2] = 36 // 2^29 * 2 = 1 GiB
	if _, _, _, err := DecodeCompressed(b, 1<<20); !errors.Is(err, ErrCorrupt) {
		t.Errorf("err = %v, want ErrCorrupt", err)
	}
}

// FuzzDecodeCompressed feeds arbitrary bodies to the compressed request
// decoder: an error wrapping ErrCorrupt or ErrTooLarge, or a request
// within the limit, never a panic.
func FuzzDecodeCompressed(f *testing.F) {
	for _, c := range []Compressor{Snappy, Gzip, LZ4, Zstd, LZMA2} {
		b, err := EncodeCompressed(Version, TypeTablets, EncodeTabletsUncompressed(Tablets{Token: "t", Tablets: sampleTablets()}), []Compressor{c}, DefaultZstdLevel)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{2, 0, 0, 0, 0, 9, 3, 0, 0, 0, 9})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		bound := CompressedBound(b, fuzzLimit)
		_, typ, body, err := DecodeCompressed(b, fuzzLimit)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error %v wraps neither ErrCorrupt nor ErrTooLarge", err)
			}
			return
		}
		if typ == TypeCompressed || len(body) > fuzzLimit || len(body)+3 > bound {
			t.Fatalf("type %d, %d bytes, bound %d", typ, len(body), bound)
		}
	})
}
