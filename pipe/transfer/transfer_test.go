package transfer

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/sluicedb/sluice/model"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// col builds a column of type typ from values, nil meaning null.
func col(typ model.DataType, values ...any) model.Column {
	c := model.NewColumn(typ, len(values))
	for _, v := range values {
		c.Append(v)
	}
	return c
}

// sampleTablets covers the six types, nulls, alignment, extreme times and
// float specials.
func sampleTablets() []*model.Tablet {
	return []*model.Tablet{
		{
			Device:       model.Path{"root", "sg", "d1"},
			Measurements: []string{"b", "i", "l", "f", "d", "t"},
			Times:        []int64{1, 2, 1000, -5},
			Columns: []model.Column{
				col(model.Boolean, true, nil, false, true),
				col(model.Int32, int32(math.MinInt32), int32(-1), nil, int32(math.MaxInt32)),
				col(model.Int64, int64(math.MinInt64), int64(0), int64(math.MaxInt64), nil),
				col(model.Float, float32(1.5), float32(math.Inf(-1)), float32(math.NaN()), nil),
				col(model.Double, nil, math.NaN(), math.Copysign(0, -1), math.MaxFloat64),
				col(model.Text, "", "héllo", nil, strings.Repeat("x", 300)),
			},
		},
		{
			Device:       model.Path{"root", "sg", "a.b`c", "d"},
			Aligned:      true,
			Measurements: []string{"s1", "s2"},
			Times:        []int64{math.MinInt64, math.MaxInt64, 0},
			Columns: []model.Column{
				col(model.Int64, nil, nil, nil),
				col(model.Boolean, false, true, true),
			},
		},
		{Device: model.Path{"root", "sg", "empty"}, Measurements: []string{}, Times: []int64{}, Columns: []model.Column{}},
	}
}

// sameTablets compares decoded tablets with what was encoded, floats by
// their bits (NaN != NaN otherwise).
func sameTablets(t *testing.T, got, want []*model.Tablet) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d tablets, want %d", len(got), len(want))
	}
	for i := range want {
		if g, w := dumpTablet(got[i]), dumpTablet(want[i]); g != w {
			t.Fatalf("tablet %d differs\n got: %s\nwant: %s", i, g, w)
		}
	}
}

func dumpTablet(t *model.Tablet) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%q aligned=%v times=%v", []string(t.Device), t.Aligned, t.Times)
	for i := range t.Columns {
		c := &t.Columns[i]
		fmt.Fprintf(&b, "\n  %s %s:", t.Measurements[i], c.Type)
		for r := range c.Len() {
			switch v := c.Value(r).(type) {
			case float32:
				fmt.Fprintf(&b, " f%08x", math.Float32bits(v))
			case float64:
				fmt.Fprintf(&b, " d%016x", math.Float64bits(v))
			default:
				fmt.Fprintf(&b, " %#v", v)
			}
		}
		if c.Nulls != nil && len(c.Nulls) != c.Len() {
			fmt.Fprintf(&b, " BAD NULLS %v", c.Nulls)
		}
	}
	return b.String()
}

func TestTabletsRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   Tablets
	}{
		{"empty", Tablets{}},
		{"token only", Tablets{Token: "abc"}},
		{"all types", Tablets{Token: "0123456789abcdef", Origin: "cluster-a", Tablets: sampleTablets()}},
	}
	for _, tt := range tests {
		for _, comp := range []byte{compressZstdSized, compressZstd, compressNone} {
			t.Run(fmt.Sprintf("%s/compression=%d", tt.name, comp), func(t *testing.T) {
				body := encodeTablets(tt.in, comp)
				got, err := DecodeTablets(body)
				if err != nil {
					t.Fatal(err)
				}
				if got.Token != tt.in.Token || got.Origin != tt.in.Origin {
					t.Fatalf("got token %q origin %q, want %q %q", got.Token, got.Origin, tt.in.Token, tt.in.Origin)
				}
				sameTablets(t, got.Tablets, tt.in.Tablets)
				for _, tb := range got.Tablets {
					if err := tb.Validate(); err != nil {
						t.Fatalf("decoded tablet invalid: %v", err)
					}
				}
				tok, err := TabletsToken(body)
				if err != nil || tok != tt.in.Token {
					t.Fatalf("TabletsToken = %q, %v; want %q", tok, err, tt.in.Token)
				}
			})
		}
	}
}

// A regular series must compress well: that is the point of the columnar
// layout.
func TestTabletsCompact(t *testing.T) {
	const rows = 10000
	tb := &model.Tablet{Device: model.Path{"root", "sg", "d"}, Measurements: []string{"v"}, Columns: []model.Column{model.NewColumn(model.Int64, rows)}}
	for i := range rows {
		tb.Times = append(tb.Times, 1_700_000_000_000+int64(i)*1000)
		tb.Columns[0].Append(int64(i % 100))
	}
	body := EncodeTablets(Tablets{Token: "t", Tablets: []*model.Tablet{tb}})
	if perPoint := float64(len(body)) / rows; perPoint > 1 {
		t.Fatalf("%d bytes for %d points (%.2f per point), want at most 1 per point", len(body), rows, perPoint)
	}
	got, err := DecodeTablets(body)
	if err != nil {
		t.Fatal(err)
	}
	sameTablets(t, got.Tablets, []*model.Tablet{tb})
}

func TestEncodeTabletsPanicsOnMalformed(t *testing.T) {
	defer func() {
		if p := recover(); p == nil || !strings.Contains(fmt.Sprint(p), "BUG") {
			t.Fatalf("recovered %v, want a BUG panic", p)
		}
	}()
	EncodeTablets(Tablets{Tablets: []*model.Tablet{{
		Device: model.Path{"root", "d"}, Measurements: []string{"s"}, Times: []int64{1, 2},
		Columns: []model.Column{col(model.Int32, int32(1))},
	}}})
}

func TestDecodeTabletsCorrupt(t *testing.T) {
	good := encodeTablets(Tablets{Token: "tok", Origin: "o", Tablets: sampleTablets()}, compressNone)
	// Every proper prefix of a valid body is truncated somewhere.
	for n := range len(good) {
		if _, err := DecodeTablets(good[:n]); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("prefix of %d/%d bytes: err %v, want ErrCorrupt", n, len(good), err)
		}
	}
	zgood := EncodeTablets(Tablets{Token: "tok", Tablets: sampleTablets()})
	tests := []struct {
		name string
		body []byte
	}{
		{"empty", nil},
		{"unknown compression", []byte{9, 0, 0}},
		{"trailing byte", append(bytes.Clone(good), 0)},
		{"zstd garbage", append([]byte{compressZstd, 0, 0}, "not zstd at all"...)},
		{"truncated zstd", zgood[:len(zgood)-3]},
		{"size announced short", sized(zstdFrame(0, 2), 1000)},
		{"size announced long", sized(zstdFrame(0, 2), 3<<17)},
		{"bad size varint", []byte{compressZstdSized, 0, 0, 0xff}},
		{"token longer than body", []byte{0, 0xff, 0x01, 'a'}},
		{"huge tablet count", []byte{0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f}},
		{"huge row count", []byte{0, 0, 0, 1, 1, 1, 'r', 0, 0xff, 0xff, 0xff, 0xff, 0x0f, 0}},
		{"bad type", []byte{0, 0, 0, 1, 1, 1, 'r', 0, 1, 2, 1, 1, 's', 9, 0}},
		{"bad nulls flag", []byte{0, 0, 0, 1, 1, 1, 'r', 0, 1, 2, 1, 1, 's', 1, 7}},
		{"bad flags", []byte{0, 0, 0, 1, 1, 1, 'r', 4, 0, 0}},
		{"int32 overflow", []byte{0, 0, 0, 1, 1, 1, 'r', 0, 1, 2, 1, 1, 's', 1, 0, 0x80, 0x80, 0x80, 0x80, 0x10}},
		{"bad varint", []byte{0, 0, 0, 1, 1, 1, 'r', 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := DecodeTablets(tt.body); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("err %v, want ErrCorrupt", err)
			}
		})
	}
}

// zstdFrame builds a zstd frame by hand: an optional declared content
// size, then blocks of 128 KiB of zeros in RLE form (4 bytes each).
func zstdFrame(declared uint64, blocks int) []byte {
	b := []byte{0x28, 0xb5, 0x2f, 0xfd}
	if declared > 0 {
		b = append(b, 0xe0) // single segment, 8-byte content size
		b = binary.LittleEndian.AppendUint64(b, declared)
	} else {
		b = append(b, 0x00, 0x38) // 128 KiB window, no content size
	}
	const size = 128 << 10
	for i := range blocks {
		hdr := uint32(size<<3 | 1<<1) // RLE
		if i == blocks-1 {
			hdr |= 1 // last block
		}
		b = append(b, byte(hdr), byte(hdr>>8), byte(hdr>>16), 0)
	}
	return b
}

// sized is a compressZstdSized body without token or origin announcing
// size and holding frame.
func sized(frame []byte, size uint64) []byte {
	return append(binary.AppendUvarint([]byte{compressZstdSized, 0, 0}, size), frame...)
}

// Decompression bombs are refused by their announced size, or stop just
// past the limit when they lie or announce nothing; memory follows the
// bytes produced, never a size announced.
func TestDecodeTabletsBomb(t *testing.T) {
	const limit = 1 << 20
	blocks := limit / (128 << 10)
	if _, err := decompress(zstdFrame(0, 2), -1, limit); err != nil {
		t.Fatalf("hand-made frame does not decode: %v", err)
	}
	tests := []struct {
		name string
		body []byte
		want error
	}{
		{"announced over the limit", sized(zstdFrame(0, 1), limit+1), ErrTooLarge},
		{"announced 1 GiB", sized(zstdFrame(0, 1), 1<<30), ErrTooLarge},
		{"announced small, expands past it", sized(zstdFrame(0, blocks+1), 1<<10), ErrCorrupt},
		{"unannounced, past the limit", append([]byte{compressZstd, 0, 0}, zstdFrame(0, blocks+1)...), ErrTooLarge},
		{"frame declaring 1 GiB", append([]byte{compressZstd, 0, 0}, zstdFrame(1<<30, 1)...), ErrCorrupt},
		{"uncompressed over the limit", append([]byte{compressNone, 0, 0}, make([]byte, limit+1)...), ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeTabletsWithin(tt.body, limit)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			if errors.Is(err, ErrTooLarge) && !strings.Contains(err.Error(), fmt.Sprint(limit)) {
				t.Fatalf("message %q does not name the limit %d", err, limit)
			}
		})
	}
	// At the limit exactly, the payload decompresses (and then fails to
	// decode as tablets: it is zeros followed by more zeros).
	_, err := DecodeTabletsWithin(sized(zstdFrame(0, blocks), limit), limit)
	if !errors.Is(err, ErrCorrupt) || errors.Is(err, ErrTooLarge) {
		t.Fatalf("at the limit: err %v, want a decoding error", err)
	}
}

// Refusing a bomb allocates little: neither its announced size nor the
// whole of what it expands to.
func TestDecodeTabletsBombMemory(t *testing.T) {
	const limit = 8 << 20
	for name, body := range map[string][]byte{
		"announced 1 GiB":   sized(zstdFrame(0, 8192), 1<<30),
		"unannounced 1 GiB": append([]byte{compressZstd, 0, 0}, zstdFrame(0, 8192)...),
		"lying 1 GiB":       sized(zstdFrame(0, 8192), 1<<10),
	} {
		allocs := testing.Benchmark(func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				if _, err := DecodeTabletsWithin(body, limit); err == nil {
					b.Fatal("decoded a bomb")
				}
			}
		}).AllocedBytesPerOp()
		if allocs > 2*limit {
			t.Fatalf("%s: refusing it allocated %d bytes, over twice the limit of %d", name, allocs, limit)
		}
		t.Logf("%s: %d bytes allocated", name, allocs)
	}
}

// Tablets that decode to more memory than the limit are refused while
// decoding, before the allocation that would pass it.
func TestDecodeTabletsMemoryLimit(t *testing.T) {
	const rows = 1 << 16
	c := model.NewColumn(model.Int64, rows)
	for range rows {
		c.Append(nil)
	}
	tb := &model.Tablet{Device: model.Path{"root", "d"}, Times: make([]int64, rows), Measurements: []string{"s"}, Columns: []model.Column{c}}
	body := EncodeTablets(Tablets{Tablets: []*model.Tablet{tb}})
	payload := len(appendTablets(nil, []*model.Tablet{tb}))
	// The payload fits (about 3 bytes a row), the decoded tablet (17 a row) does not.
	limit := 4 * rows
	if payload > limit {
		t.Fatalf("payload of %d bytes, want under %d for this test", payload, limit)
	}
	if _, err := DecodeTabletsWithin(body, limit); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), fmt.Sprint(limit)) {
		t.Fatalf("err %v, want ErrTooLarge naming %d", err, limit)
	}
	got, err := DecodeTabletsWithin(body, 32*rows)
	if err != nil {
		t.Fatal(err)
	}
	sameTablets(t, got.Tablets, []*model.Tablet{tb})
}

func TestHandshakeRoundTrip(t *testing.T) {
	for _, h := range []Handshake{
		{},
		{ClusterID: "c1", TimestampPrecision: "ms", User: "root", Password: "p\x00ss", SenderVersion: "0.1.0"},
	} {
		got, err := DecodeHandshake(EncodeHandshake(h))
		if err != nil || got != h {
			t.Fatalf("got %+v, %v; want %+v", got, err, h)
		}
	}
	for _, r := range []HandshakeResult{{ClusterID: "c2", Token: "00ff"}, {ClusterID: "c2", Token: "00ff", MaxPayloadBytes: 1 << 27}} {
		got, err := DecodeHandshakeResult(EncodeHandshakeResult(r))
		if err != nil || got != r {
			t.Fatalf("got %+v, %v; want %+v", got, err, r)
		}
	}
	for _, bad := range []string{"0", "-1", "x", "012", "99999999999999999999"} {
		if _, err := DecodeHandshakeResult(encodePairs(keyToken, "t", keyMaxPayload, bad)); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("max_payload_bytes %q: err %v, want ErrCorrupt", bad, err)
		}
	}
}

func TestHandshakeUnknownKeysIgnored(t *testing.T) {
	body := encodePairs(keyUser, "u", "future_key", "x", keyClusterID, "c")
	got, err := DecodeHandshake(body)
	if err != nil || got != (Handshake{User: "u", ClusterID: "c"}) {
		t.Fatalf("got %+v, %v", got, err)
	}
}

func TestDecodeHandshakeCorrupt(t *testing.T) {
	good := EncodeHandshake(Handshake{ClusterID: "c", User: "u"})
	for n := range len(good) {
		if _, err := DecodeHandshake(good[:n]); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("prefix of %d bytes: err %v, want ErrCorrupt", n, err)
		}
	}
	for name, body := range map[string][]byte{
		"duplicate key": encodePairs(keyUser, "a", keyUser, "b"),
		"trailing":      append(bytes.Clone(good), 1),
		"huge count":    {0xff, 0xff, 0xff, 0xff, 0x0f},
	} {
		if _, err := DecodeHandshake(body); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("%s: err %v, want ErrCorrupt", name, err)
		}
		if _, err := DecodeHandshakeResult(body); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("%s (result): err %v, want ErrCorrupt", name, err)
		}
	}
}

// Decoding allocates at most a fixed multiple of the decompressed payload:
// the worst case is a column of nulls, one bitmap bit per row becoming a
// null flag and a zero value of up to 8 bytes.
func TestDecodeAllocationBound(t *testing.T) {
	const rows = 1 << 16
	tb := &model.Tablet{Device: model.Path{"root", "d"}, Times: make([]int64, rows)}
	for i := range 8 {
		c := model.NewColumn(model.Int64, rows)
		for range rows {
			c.Append(nil)
		}
		tb.Measurements = append(tb.Measurements, fmt.Sprintf("s%d", i))
		tb.Columns = append(tb.Columns, c)
	}
	payload := appendTablets(nil, []*model.Tablet{tb})
	allocs := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, err := decodeTabletsPayload(payload, MaxPayloadBytes); err != nil {
				b.Fatal(err)
			}
		}
	}).AllocedBytesPerOp()
	if limit := int64(80*len(payload) + 64<<10); allocs > limit {
		t.Fatalf("decoding %d bytes allocated %d, over the bound of %d", len(payload), allocs, limit)
	}
	t.Logf("%d payload bytes -> %d allocated (%.1fx)", len(payload), allocs, float64(allocs)/float64(len(payload)))
}
