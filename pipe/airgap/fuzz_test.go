package airgap

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// fuzzLimit keeps fuzzed frames small.
const fuzzLimit = 1 << 16

// FuzzReadFrame feeds arbitrary streams to the frame reader. It must
// return a request or one of its errors, never panic or allocate past the
// limit; what it decodes must encode back to the bytes it read.
func FuzzReadFrame(f *testing.F) {
	f.Add(Encode(1, 51, []byte("handshake"), false))
	f.Add(Encode(1, 2, []byte("tablets"), true))
	f.Add(Encode(1, 2, nil, false))
	f.Add(append(bytes.Clone(ELanguagePrefix), ELanguagePrefix...))
	f.Add([]byte{0, 0, 0, 11, 0, 0, 0, 11})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bytes.NewReader(in)
		req, err := ReadFrame(r, fuzzLimit)
		if err != nil {
			for _, want := range []error{io.EOF, io.ErrUnexpectedEOF, ErrTooLarge, ErrBadLength, ErrChecksum, ErrELanguage} {
				if errors.Is(err, want) {
					return
				}
			}
			t.Fatalf("unexpected error %v", err)
		}
		if len(req.Body) > fuzzLimit {
			t.Fatalf("body of %d bytes past the limit %d", len(req.Body), fuzzLimit)
		}
		read := in[:len(in)-r.Len()]
		if again := Encode(req.Version, req.Type, req.Body, req.ELanguage); !bytes.Equal(again, read) {
			t.Fatalf("re-encoded frame differs:\n read % x\nagain % x", read, again)
		}
	})
}
