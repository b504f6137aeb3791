package tsfile

import (
	"bytes"
	"math"
	"math/bits"
)

// BloomFilter is the file's filter over full series paths ("root.sg.d1.s1"; the time column
// of an aligned device is the device path and a trailing dot), so a reader can tell without
// the index that a series is absent. It is stored as its bit array's bytes (bit i in byte i/8
// at position i%8, trailing zero bytes dropped), the bit count and the hash function count.
type BloomFilter struct {
	bits   []byte
	size   int
	hashes int
}

// bloomSeeds are the seeds of the hash functions, one per function.
var bloomSeeds = [...]int64{5, 7, 11, 19, 31, 37, 43, 59}

const (
	bloomErrorRate = 0.05
	bloomMinSize   = 256
)

// newBloomFilter sizes a filter for n paths at the reference writer's 5% error rate.
func newBloomFilter(n int) *BloomFilter {
	ln2 := math.Ln2
	size := int(-float64(n)*math.Log(bloomErrorRate)/ln2/ln2) + 1
	hashes := int(-math.Log(bloomErrorRate)/ln2) + 1
	size = max(size, bloomMinSize)
	hashes = min(hashes, len(bloomSeeds))
	return &BloomFilter{bits: make([]byte, (size+7)/8), size: size, hashes: hashes}
}

func readBloomFilter(c *cursor) *BloomFilter {
	n := c.length("bloom filter length", c.remaining())
	b := c.bytes(n, "bloom filter")
	f := &BloomFilter{size: int(c.uvarint("bloom filter size")), hashes: int(c.uvarint("bloom filter hash count"))}
	if c.err != nil {
		return nil
	}
	if f.size <= 0 || f.size < len(b)*8-7 || f.hashes > len(bloomSeeds) {
		c.fail("bloom filter of %d bits and %d hashes in %d bytes", f.size, f.hashes, len(b))
		return nil
	}
	f.bits = bytes.Clone(b) // bits past the stored bytes are zero
	return f
}

func (f *BloomFilter) append(b []byte) []byte {
	used := len(f.bits)
	for used > 0 && f.bits[used-1] == 0 {
		used--
	}
	b = appendUvarint(b, uint32(used))
	b = append(b, f.bits[:used]...)
	b = appendUvarint(b, uint32(f.size))
	return appendUvarint(b, uint32(f.hashes))
}

func (f *BloomFilter) index(path string, seed int64) int {
	h := int32(murmur128([]byte(path), seed))
	if h == math.MinInt32 {
		h = 0
	}
	if h < 0 {
		h = -h
	}
	return int(h) % f.size
}

func (f *BloomFilter) add(path string) {
	for _, s := range bloomSeeds[:f.hashes] {
		i := f.index(path, s)
		f.bits[i/8] |= 1 << (i % 8)
	}
}

// MayContain reports whether path may be a series of the file; false means it is not.
func (f *BloomFilter) MayContain(path string) bool {
	for _, s := range bloomSeeds[:f.hashes] {
		i := f.index(path, s)
		if i/8 >= len(f.bits) || f.bits[i/8]&(1<<(i%8)) == 0 {
			return false
		}
	}
	return true
}

// murmur128 is MurmurHash3 x64 128 as the format uses it: h1+h2 of the result, with the
// tail bytes sign-extended.
func murmur128(key []byte, seed int64) int64 {
	const c1, c2 = 0x87c37b91114253d5, 0x4cf5ad432745937f
	h1, h2 := uint64(seed), uint64(seed)
	le := func(b []byte) uint64 {
		var v uint64
		for i := 7; i >= 0; i-- {
			v = v<<8 | uint64(b[i])
		}
		return v
	}
	n := len(key) / 16
	for i := 0; i < n; i++ {
		k1, k2 := le(key[i*16:]), le(key[i*16+8:])
		k1 *= c1
		k1 = bits.RotateLeft64(k1, 31)
		k1 *= c2
		h1 ^= k1
		h1 = bits.RotateLeft64(h1, 27)
		h1 += h2
		h1 = h1*5 + 0x52dce729
		k2 *= c2
		k2 = bits.RotateLeft64(k2, 33)
		k2 *= c1
		h2 ^= k2
		h2 = bits.RotateLeft64(h2, 31)
		h2 += h1
		h2 = h2*5 + 0x38495ab5
	}
	tail := key[n*16:]
	var k1, k2 uint64
	sx := func(b byte) uint64 { return uint64(int64(int8(b))) }
	for i := len(tail) - 1; i >= 8; i-- {
		k2 ^= sx(tail[i]) << (8 * (i - 8))
	}
	if len(tail) > 8 {
		k2 *= c2
		k2 = bits.RotateLeft64(k2, 33)
		k2 *= c1
		h2 ^= k2
	}
	for i := min(len(tail), 8) - 1; i >= 0; i-- {
		k1 ^= sx(tail[i]) << (8 * i)
	}
	if len(tail) > 0 {
		k1 *= c1
		k1 = bits.RotateLeft64(k1, 31)
		k1 *= c2
		h1 ^= k1
	}
	h1 ^= uint64(len(key))
	h2 ^= uint64(len(key))
	h1 += h2
	h2 += h1
	h1, h2 = fmix64(h1), fmix64(h2)
	h1 += h2
	h2 += h1
	return int64(h1 + h2)
}

func fmix64(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	k *= 0xc4ceb9fe1a85ec53
	k ^= k >> 33
	return k
}
