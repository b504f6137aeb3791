package transfer

import (
	"errors"

	"github.com/sluicedb/sluice/model"
)

// Version is the protocol version this package speaks, sent in
// TPipeTransferReq.version.
const Version int8 = 1

// Request types, sent in TPipeTransferReq.type. The numbers are append-only.
const (
	// TypeHandshake opens a transfer session: body from EncodeHandshake,
	// response body from EncodeHandshakeResult.
	TypeHandshake int16 = 1
	// TypeTablets ships writes: body from EncodeTablets, no response body.
	TypeTablets int16 = 2
	// TypeSchema ships series schema: body from EncodeSchema, no response
	// body. It lies outside IoTDB's request types (PipeRequestType), which
	// the same receiver serves too.
	TypeSchema int16 = 1000
)

// PrecisionMillis is the only timestamp precision Sluice uses.
const PrecisionMillis = "ms"

// MaxPayloadBytes bounds the decompressed payload of a Tablets body read
// by DecodeTablets; receivers set their own, smaller limit with
// DecodeTabletsWithin.
const MaxPayloadBytes = 1 << 30

// ErrCorrupt is wrapped by every decoding error but ErrTooLarge.
var ErrCorrupt = errors.New("corrupt pipe transfer body")

// ErrTooLarge is wrapped by the error of a well-formed body whose payload,
// decompressed or decoded, exceeds the reader's limit. Its message names
// the limit.
var ErrTooLarge = errors.New("pipe transfer body too large")

// Handshake is what a sink tells the receiver before sending data.
type Handshake struct {
	// ClusterID is the sender's cluster id.
	ClusterID string
	// TimestampPrecision is the sender's time unit; PrecisionMillis.
	TimestampPrecision string
	// User and Password are the credentials the writes are made with.
	User     string
	Password string
	// SenderVersion is the sender's software version, for logs.
	SenderVersion string
}

// HandshakeResult is the receiver's answer to an accepted handshake.
type HandshakeResult struct {
	// ClusterID is the receiver's cluster id.
	ClusterID string
	// Token identifies the transfer session in later requests.
	Token string
	// MaxPayloadBytes is the receiver's limit on a Tablets payload
	// (DecodeTabletsWithin); 0 when it did not say. A sender keeps each
	// transfer within it with Split.
	MaxPayloadBytes int
}

// Tablets is one batch of writes.
type Tablets struct {
	// Token is the one HandshakeResult returned.
	Token string
	// Origin is the id of the cluster where the writes first happened;
	// empty means the sender's own cluster.
	Origin string
	// Tablets are the writes, in write order.
	Tablets []*model.Tablet
}

// Schema is one batch of series schema, applied before the tablets that
// follow it on the session.
type Schema struct {
	// Token is the one HandshakeResult returned.
	Token string
	// Origin is as in Tablets.
	Origin string
	// Series are the series as they stand at the sender: path, type,
	// encoding, compressor, alignment, alias, tags and attributes.
	// Database is not carried: the receiver places series in its own.
	Series []model.Series
}
