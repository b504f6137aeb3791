package transfer

import (
	"encoding/binary"
	"fmt"
	"strconv"
)

// Keys of the handshake bodies. Append-only: never reuse a retired key.
const (
	keyClusterID     = "cluster_id"
	keyPrecision     = "timestamp_precision"
	keyUser          = "user"
	keyPassword      = "password"
	keySenderVersion = "sender_version"
	keyToken         = "token"
	keyMaxPayload    = "max_payload_bytes"
)

// EncodeHandshake returns the body of a TypeHandshake request.
func EncodeHandshake(h Handshake) []byte {
	return encodePairs(
		keyClusterID, h.ClusterID,
		keyPrecision, h.TimestampPrecision,
		keyUser, h.User,
		keyPassword, h.Password,
		keySenderVersion, h.SenderVersion,
	)
}

// DecodeHandshake reads a TypeHandshake request body. Missing fields are
// empty; checking them is the receiver's business.
func DecodeHandshake(b []byte) (Handshake, error) {
	var h Handshake
	err := decodePairs(b, map[string]*string{
		keyClusterID:     &h.ClusterID,
		keyPrecision:     &h.TimestampPrecision,
		keyUser:          &h.User,
		keyPassword:      &h.Password,
		keySenderVersion: &h.SenderVersion,
	})
	if err != nil {
		return Handshake{}, err
	}
	return h, nil
}

// EncodeHandshakeResult returns the response body of an accepted handshake.
func EncodeHandshakeResult(r HandshakeResult) []byte {
	kv := []string{keyClusterID, r.ClusterID, keyToken, r.Token}
	if r.MaxPayloadBytes > 0 {
		kv = append(kv, keyMaxPayload, strconv.Itoa(r.MaxPayloadBytes))
	}
	return encodePairs(kv...)
}

// DecodeHandshakeResult reads the response body of an accepted handshake.
func DecodeHandshakeResult(b []byte) (HandshakeResult, error) {
	var r HandshakeResult
	var max string
	if err := decodePairs(b, map[string]*string{keyClusterID: &r.ClusterID, keyToken: &r.Token, keyMaxPayload: &max}); err != nil {
		return HandshakeResult{}, err
	}
	if max != "" {
		n, err := strconv.Atoi(max)
		if err != nil || n <= 0 || strconv.Itoa(n) != max {
			return HandshakeResult{}, fmt.Errorf("%w: %s %.32q is not a positive integer", ErrCorrupt, keyMaxPayload, max)
		}
		r.MaxPayloadBytes = n
	}
	return r, nil
}

// encodePairs writes alternating keys and values.
func encodePairs(kv ...string) []byte {
	size := 1
	for _, s := range kv {
		size += binary.MaxVarintLen32 + len(s)
	}
	b := binary.AppendUvarint(make([]byte, 0, size), uint64(len(kv)/2))
	for _, s := range kv {
		b = appendString(b, s)
	}
	return b
}

// decodePairs reads key-value pairs into the fields named by known,
// skipping unknown keys and refusing repeated ones.
func decodePairs(b []byte, known map[string]*string) error {
	r := reader{b: b}
	n := r.count(2, "pair count") // two empty strings at least
	seen := make(map[string]bool, min(n, len(known)+8))
	for range n {
		k := r.string("key")
		v := r.string("value")
		if r.err != nil {
			break
		}
		if seen[k] {
			r.fail("key %.64q given twice", k)
			break
		}
		seen[k] = true
		if p := known[k]; p != nil {
			*p = v
		}
	}
	r.end()
	return r.err
}
