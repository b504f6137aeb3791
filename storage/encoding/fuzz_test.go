package encoding

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"slices"
	"testing"
)

// The decoders must turn any input into values or an ErrCorrupt error,
// never a panic; inputs they accept must re-encode to equal values.

func FuzzDecodeTimes(f *testing.F) {
	f.Add(AppendTimes(nil, seq(1_700_000_000_000, 1000, 100)))
	f.Add(AppendTimes(nil, []int64{math.MinInt64, math.MaxInt64}))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, err := DecodeTimes(data, nil)
		if err != nil {
			mustCorrupt(t, err)
			return
		}
		if again, err := DecodeTimes(AppendTimes(nil, ts), nil); err != nil || !slices.Equal(again, ts) {
			t.Fatalf("re-encoding: err %v, equal %v", err, slices.Equal(again, ts))
		}
	})
}

func FuzzDecodeInt64s(f *testing.F) {
	f.Add(AppendInt64s(nil, walkInts(100)))
	f.Add(AppendInt64s(nil, seq(0, 7, 100)))
	f.Add(AppendInt32s(nil, []int32{math.MaxInt32, math.MinInt32}))
	f.Fuzz(func(t *testing.T, data []byte) {
		vs, err := DecodeInt64s(data, nil)
		if err != nil {
			mustCorrupt(t, err)
		} else if again, err := DecodeInt64s(AppendInt64s(nil, vs), nil); err != nil || !slices.Equal(again, vs) {
			t.Fatalf("re-encoding: err %v", err)
		}
		if _, err := DecodeInt32s(data, nil); err != nil {
			mustCorrupt(t, err)
		}
	})
}

func FuzzDecodeFloat64s(f *testing.F) {
	f.Add(AppendFloat64s(nil, walkDecimals(100, 2)))
	f.Add(AppendFloat64s(nil, randFloats(100)))
	f.Add(AppendFloat64s(nil, []float64{math.NaN(), math.Inf(-1), 0}))
	f.Fuzz(func(t *testing.T, data []byte) {
		vs, err := DecodeFloat64s(data, nil)
		if err != nil {
			mustCorrupt(t, err)
			return
		}
		if again, err := DecodeFloat64s(AppendFloat64s(nil, vs), nil); err != nil || !sameBits64(again, vs) {
			t.Fatalf("re-encoding: err %v", err)
		}
	})
}

func FuzzDecodeFloat32s(f *testing.F) {
	f.Add(AppendFloat32s(nil, []float32{20.01, 20.02, 19.99}))
	f.Add(AppendFloat32s(nil, []float32{float32(math.Pi), float32(math.NaN()), -1e30}))
	f.Fuzz(func(t *testing.T, data []byte) {
		vs, err := DecodeFloat32s(data, nil)
		if err != nil {
			mustCorrupt(t, err)
			return
		}
		if again, err := DecodeFloat32s(AppendFloat32s(nil, vs), nil); err != nil || !sameBits32(again, vs) {
			t.Fatalf("re-encoding: err %v", err)
		}
	})
}

func FuzzDecodeBools(f *testing.F) {
	f.Add(AppendBools(nil, []bool{true, false, true, true, false, false, true, false, true}))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := DecodeBools(data, nil); err != nil {
			mustCorrupt(t, err)
		}
	})
}

func FuzzDecodeTexts(f *testing.F) {
	f.Add(AppendTexts(nil, []string{"", "a", "héllo", "\x00"}))
	f.Fuzz(func(t *testing.T, data []byte) {
		vs, err := DecodeTexts(data, nil)
		if err != nil {
			mustCorrupt(t, err)
			return
		}
		if again, err := DecodeTexts(AppendTexts(nil, vs), nil); err != nil || !slices.Equal(again, vs) {
			t.Fatalf("re-encoding: err %v", err)
		}
	})
}

// FuzzDecodeChunk decodes arbitrary chunks. With fixCRC the fuzzer's bytes
// get a valid checksum, so that mutations reach the parser behind it.
func FuzzDecodeChunk(f *testing.F) {
	for _, n := range []int{1, 100} {
		times := seq(1_700_000_000_000, 1000, n)
		for _, col := range sampleColumns(n) {
			data, err := EncodeChunk(nil, times, &col)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data, false)
			f.Add(data[:len(data)-4], true)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, fixCRC bool) {
		if fixCRC {
			data = binary.LittleEndian.AppendUint32(slices.Clip(data), crc32.Checksum(data, crcTable))
		}
		hsum, herr := DecodeSummary(data)
		sum, times, col, err := DecodeChunk(data)
		if err != nil {
			mustCorrupt(t, err)
			return
		}
		if herr != nil || hsum.Count != sum.Count {
			t.Fatalf("summary disagrees with chunk: %v", herr)
		}
		if len(times) != int(sum.Count) || col.Len() != len(times) {
			t.Fatalf("decoded %d times, %d values, count %d", len(times), col.Len(), sum.Count)
		}
		if _, err := EncodeChunk(nil, times, &col); err != nil {
			t.Fatalf("re-encoding a decoded chunk: %v", err)
		}
	})
}

func mustCorrupt(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("error %v does not wrap ErrCorrupt", err)
	}
}
