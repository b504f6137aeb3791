package iotdbwire

// RequestType is TPipeTransferReq.type as IoTDB 1.3 numbers it
// (PipeRequestType). Types 1 and 2 collide with Sluice's own handshake and
// tablets: a receiver tells the protocols apart by the handshake body and
// remembers, per connection, which one the sender speaks.
type RequestType = int16

// IoTDB 1.3's DataNode request types.
const (
	TypeHandshakeV1      RequestType = 1
	TypeTabletInsertNode RequestType = 2
	TypeTabletRaw        RequestType = 3
	TypeTsFilePiece      RequestType = 4
	TypeTsFileSeal       RequestType = 5
	TypeTabletBatch      RequestType = 6
	TypeTabletBinary     RequestType = 7
	TypeHandshakeV2      RequestType = 51
)

// Keys of a V2 handshake's parameters (PipeTransferHandshakeConstant).
const (
	KeyTimestampPrecision    = "timestampPrecision"
	KeyClusterID             = "clusterID"
	KeyConvertOnTypeMismatch = "convertOnTypeMismatch"
	KeyLoadTsFileStrategy    = "loadTsFileStrategy"
	KeyUsername              = "username"
	KeyPassword              = "password"
)

// maxHandshakeParams bounds a V2 handshake's parameter count; IoTDB sends
// fewer than ten.
const maxHandshakeParams = 256

// handshakeLimit bounds what a handshake's strings may take.
const handshakeLimit = 1 << 20

// DecodeHandshakeV1 reads the body of a V1 DataNode handshake: the
// sender's timestamp precision.
func DecodeHandshakeV1(body []byte) (string, error) {
	r := newReader(body, handshakeLimit)
	p := r.string("timestamp precision")
	r.end()
	if r.err != nil {
		return "", r.err
	}
	return p, nil
}

// DecodeHandshakeV2 reads the body of a V2 DataNode handshake: its
// parameters. A key given twice is refused.
func DecodeHandshakeV2(body []byte) (map[string]string, error) {
	r := newReader(body, handshakeLimit)
	n := r.count(8, "parameter count")
	if r.ok() && n > maxHandshakeParams {
		r.fail("%d handshake parameters, at most %d are taken", n, maxHandshakeParams)
	}
	params := make(map[string]string, n)
	for range n {
		k := r.string("parameter key")
		v, _ := r.stringOrNull("parameter value")
		if !r.ok() {
			break
		}
		if _, dup := params[k]; dup {
			r.fail("parameter %.64q given twice", k)
			break
		}
		params[k] = v
	}
	r.end()
	if r.err != nil {
		return nil, r.err
	}
	return params, nil
}

// LooksLikeHandshakeV1 reports whether body has the shape of a V1
// handshake (one length-prefixed string filling it), which a Sluice
// handshake body, a uvarint-counted list of pairs, never has.
func LooksLikeHandshakeV1(body []byte) bool {
	_, err := DecodeHandshakeV1(body)
	return err == nil
}
