package airgap

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"testing"
)

func TestFrameRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name      string
		body      []byte
		eLanguage bool
	}{
		{"empty body", nil, false},
		{"body", []byte("tablets"), false},
		{"e-language", []byte("tablets"), true},
		{"e-language empty", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Two frames back to back: the reader must stop at the first's end.
			stream := append(Encode(1, 51, tc.body, tc.eLanguage), Encode(2, 3, []byte("next"), false)...)
			r := bytes.NewReader(stream)
			got, err := ReadFrame(r, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if got.Version != 1 || got.Type != 51 || !bytes.Equal(got.Body, tc.body) || got.ELanguage != tc.eLanguage {
				t.Fatalf("got %+v", got)
			}
			next, err := ReadFrame(r, 1<<20)
			if err != nil || next.Type != 3 || string(next.Body) != "next" || next.ELanguage {
				t.Fatalf("second frame %+v, %v", next, err)
			}
			if _, err := ReadFrame(r, 1<<20); err != io.EOF {
				t.Fatalf("after the last frame: %v, want io.EOF", err)
			}
		})
	}
}

// TestFrameMatchesIoTDB checks the layout against a frame as IoTDB's
// air-gap sink writes it: both lengths, the CRC-32 as a long, then the
// request.
func TestFrameMatchesIoTDB(t *testing.T) {
	got := Encode(1, 3, []byte{0xAA, 0xBB}, false)
	want := []byte{
		0, 0, 0, 13, 0, 0, 0, 13, // 8 + 1 + 2 + 2
		0, 0, 0, 0, 0xf1, 0x5f, 0x5e, 0x93, // crc32 of 01 00 03 aa bb (Python's zlib.crc32)
		1, 0, 3, 0xAA, 0xBB,
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("frame\n got % x\nwant % x", got, want)
	}
	wrapped := Encode(1, 3, []byte{0xAA, 0xBB}, true)
	if !bytes.HasPrefix(wrapped, []byte("<!System=IoTDB Version=1.0 Code=UTF-8 Data=1.0!>\n<block:=Free>\n")) ||
		!bytes.HasSuffix(wrapped, []byte("\n</block:=Free>")) || !bytes.Contains(wrapped, want) {
		t.Fatalf("E-Language frame %q", wrapped)
	}
}

func TestReadFrameRefuses(t *testing.T) {
	good := Encode(1, 2, []byte("payload"), false)
	wrapped := Encode(1, 2, []byte("payload"), true)
	withLengths := func(n1, n2 uint32) []byte {
		b := bytes.Clone(good)
		binary.BigEndian.PutUint32(b[0:], n1)
		binary.BigEndian.PutUint32(b[4:], n2)
		return b
	}
	badCRC := bytes.Clone(good)
	badCRC[len(badCRC)-1] ^= 1
	badPrefix := bytes.Clone(wrapped)
	badPrefix[20] ^= 1
	badSuffix := bytes.Clone(wrapped)
	badSuffix[len(badSuffix)-1] ^= 1
	// A wrapper around a wrapper: the inner prefix is read as lengths.
	nested := append(bytes.Clone(ELanguagePrefix), wrapped...)
	for _, tc := range []struct {
		name  string
		in    []byte
		limit int
		want  error
	}{
		{"truncated lengths", good[:5], 1 << 20, io.ErrUnexpectedEOF},
		{"truncated checksum", good[:12], 1 << 20, io.ErrUnexpectedEOF},
		{"truncated body", good[:len(good)-1], 1 << 20, io.ErrUnexpectedEOF},
		{"truncated prefix", wrapped[:20], 1 << 20, io.ErrUnexpectedEOF},
		{"truncated suffix", wrapped[:len(wrapped)-3], 1 << 20, io.ErrUnexpectedEOF},
		{"lengths differ", withLengths(18, 19), 1 << 20, ErrBadLength},
		{"zero length", withLengths(0, 0), 1 << 20, ErrBadLength},
		{"length under a checksum", withLengths(7, 7), 1 << 20, ErrBadLength},
		{"oversize", good, len(good) - lengthsBytes - 1, ErrTooLarge},
		{"announced 4 GiB", withLengths(1<<32-1, 1<<32-1), 1 << 20, ErrTooLarge},
		{"bad checksum", badCRC, 1 << 20, ErrChecksum},
		{"bad prefix", badPrefix, 1 << 20, ErrELanguage},
		{"bad suffix", badSuffix, 1 << 20, ErrELanguage},
		{"nested e-language", nested, 1 << 20, ErrBadLength},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadFrame(bytes.NewReader(tc.in), tc.limit)
			if !errors.Is(err, tc.want) {
				t.Fatalf("ReadFrame: %v, want %v", err, tc.want)
			}
		})
	}
}

// TestReadFrameAllocatesWhatArrives: a frame announcing the limit but
// sending a few bytes costs those bytes, not the limit.
func TestReadFrameAllocatesWhatArrives(t *testing.T) {
	var head [lengthsBytes]byte
	binary.BigEndian.PutUint32(head[0:], 1<<30)
	binary.BigEndian.PutUint32(head[4:], 1<<30)
	in := append(head[:], make([]byte, 100)...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ReadFrame(bytes.NewReader(in), 1<<30)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("ReadFrame: %v, want io.ErrUnexpectedEOF", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Fatalf("reading a 100-byte stub of a 1 GiB frame allocated %d bytes", grew)
	}
}
