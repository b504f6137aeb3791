// Package receiver applies pipe transfers at the target cluster: it serves
// the pipeTransfer Thrift method on the DataNode client port (wired in
// through clientrpc.Config.ExtraMethods under MethodName) and turns each
// request into calls on the DataNode, its Target.
//
// A sender first handshakes (transfer.TypeHandshake): the receiver checks
// the protocol version, the timestamp precision, the credentials, and that
// the sender is another cluster, then hands out a token. Data requests
// (transfer.TypeTablets) carry the token; the receiver checks the user's
// WRITE_DATA privilege and inserts the tablets, recording their origin
// cluster so that pipes do not send them back there. Inserting is
// idempotent (a write to the same series and time overwrites), which is
// what makes the sender's at-least-once delivery converge.
//
// A data request's payload is bounded before it is decompressed
// (WithMaxPayloadBytes, pipe_receiver_max_decompressed_bytes): the
// handshake answer tells the sender the limit, which Sluice's sinks split
// their batches to fit, and a larger transfer is refused with 303 naming
// the limit, at no more memory than the limit costs.
//
// Tokens live in memory only: they expire after TokenIdleTimeout unused, at
// most MaxTokens are kept, and a restarted receiver knows none. A request
// with an unknown token is answered with CodeHandshakeRequired and a
// message starting with HandshakeRequiredPrefix (see IsHandshakeRequired);
// the sender then handshakes again and resends.
//
// Failures travel as TSStatus codes, never as Thrift exceptions: 303 for a
// body that does not decode or passes the payload limit, 606 when a
// transfer gave up waiting for decoding memory, 1107 for protocol
// refusals, and the Target's
// own status codes (801, 803, 508, 614, ...) otherwise.
//
// The same method takes an Apache IoTDB 1.3 sender's requests (iotdb.go,
// bodies decoded by pipe/iotdbwire): a connection that handshakes with
// IoTDB's V1 or V2 DataNode handshake speaks IoTDB's protocol until it
// closes. It has no token; the handshake proves a user's password as
// Sluice's does, and IoTDB's tablet, insert-node, batch and TsFile requests
// are written through the same Target checks. docs/compatibility.md says
// what is and is not taken.
//
// The air-gap listener (pipe/airgap) feeds its requests to the same
// Receiver, with connection ids of its own. Its one-byte answers carry no
// token, so a Sluice tablets request with an empty token is the session of
// the connection that handshook; a token is good on its connection only
// anyway, so this grants nothing more.
package receiver
