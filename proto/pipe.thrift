// Pipe transfer: the Thrift call a pipe sink makes on the target cluster's
// DataNode client port (next to TSIService) to ship data.
//
// The structs mirror, field id for field id and type for type, Apache
// IoTDB's TPipeTransferReq/TPipeTransferResp (client.thrift) and TSStatus
// (common.thrift), so that the wire format is the same. What goes in the
// body is Sluice's own (see package pipe/transfer); IoTDB names the same
// framing for its own bodies.
//
// Regenerate the Go code with `make proto`.

namespace go pipethrift

// TEndPoint is an ip:port address.
struct TEndPoint {
  1: required string ip
  2: required i32 port
}

// TSStatus is the outcome of a call: an IoTDB status code (200 success)
// and, on failure, a message.
struct TSStatus {
  1: required i32 code
  2: optional string message
  3: optional list<TSStatus> subStatus
  4: optional TEndPoint redirectNode
}

// TPipeTransferReq carries one request of the pipe transfer protocol:
// version and type say how to read body.
struct TPipeTransferReq {
  1: required i8 version
  2: required i16 type
  3: required binary body
}

// TPipeTransferResp is the reply: a status and, for some request types,
// a body.
struct TPipeTransferResp {
  1: required TSStatus status
  2: optional binary body
}

// PipeTransferService is served on the DataNode client port. Only the
// method name travels on the wire; IoTDB declares the same method in its
// IClientRPCService.
service PipeTransferService {
  TPipeTransferResp pipeTransfer(1: TPipeTransferReq req)
}
