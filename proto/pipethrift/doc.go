// Package pipethrift is the Thrift code generated from proto/pipe.thrift:
// the pipeTransfer call that pipe sinks make on a target DataNode's client
// port, with its request, response and status structs.
//
// Every file but this one and the tests is generated; regenerate them with
// `make proto` rather than editing them. The structs match Apache IoTDB's
// TPipeTransferReq, TPipeTransferResp and TSStatus field for field.
package pipethrift
