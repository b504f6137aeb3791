// Package airgap speaks IoTDB 1.3's air-gap pipe protocol: the framing an
// iotdb-air-gap-sink writes on a plain TCP socket, for links (one-way
// gateways, data diodes, protocol-filtering firewalls) that pass a byte
// stream and a one-byte answer but not Thrift.
//
// A request is the body of a pipeTransfer call (version, type, body)
// framed as
//
//	length uint32 BE | length uint32 BE | crc32 uint64 BE | version int8 | type int16 BE | body
//
// where length counts the checksum and what follows it, written twice as
// a cheap check of the length itself, and crc32 is IEEE CRC-32 of the
// version, type and body. With E-Language enabled the frame is wrapped in
// a fixed text prefix and suffix (ELanguagePrefix, ELanguageSuffix), which
// some gateways require. The receiver answers every request with one
// byte: ResponseOK or ResponseFail.
//
// ReadFrame decodes a frame without recursion and checks every length
// against a limit before it allocates anything; a bad checksum, a length
// pair that disagrees or passes the limit, or a malformed wrapper is an
// error after which the stream cannot be trusted, so the connection is
// closed. Server serves the protocol for a Handler (the pipe receiver);
// Encode is the sender's side.
package airgap
