package clientrpc

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// TestReadBody reads bodies around the growth steps whole and refuses a
// short one.
func TestReadBody(t *testing.T) {
	for _, n := range []int{0, 1, readStep - 1, readStep, readStep + 1, 3*readStep + 7, 8 * readStep} {
		want := make([]byte, n)
		for i := range want {
			want[i] = byte(i * 7)
		}
		got, err := readBody(bytes.NewReader(want), n)
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("n=%d: read %d bytes that differ from those sent", n, len(got))
		}
	}
	if _, err := readBody(bytes.NewReader(make([]byte, 2*readStep)), 3*readStep); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("short body: err = %v, want unexpected EOF", err)
	}
}

// TestReadBodyGrowsWithWhatArrives: a peer announcing far more than it
// sends makes the reader hold no more than twice what was sent.
func TestReadBodyGrowsWithWhatArrives(t *testing.T) {
	r := &capturingReader{r: bytes.NewReader(make([]byte, 3*readStep))}
	if _, err := readBody(r, 1<<30); err == nil {
		t.Fatal("a body shorter than announced was accepted")
	}
	if r.maxBuf > 2*3*readStep {
		t.Fatalf("read into a buffer of %d bytes for %d sent", r.maxBuf, 3*readStep)
	}
}

type capturingReader struct {
	r      io.Reader
	maxBuf int
}

func (c *capturingReader) Read(p []byte) (int, error) {
	c.maxBuf = max(c.maxBuf, cap(p))
	return c.r.Read(p)
}

func BenchmarkReadBody(b *testing.B) {
	body := make([]byte, 8<<20)
	b.SetBytes(int64(len(body)))
	for range b.N {
		if _, err := readBody(bytes.NewReader(body), len(body)); err != nil {
			b.Fatal(err)
		}
	}
}
