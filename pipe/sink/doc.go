// Package sink holds the pipe sink plugins and their sharing.
//
// Plugins, chosen by the "sink" attribute:
//
//   - iotdb-thrift-sync-sink: one Thrift connection to the target; transfers
//     are serialised so the receiver applies batches in the sender's order.
//   - iotdb-thrift-sink (alias iotdb-thrift-async-sink): a pool of up to
//     Config.MaxClients connections used in parallel. Batches may be applied
//     out of order across calls, never lost: Transfer returns nil only once
//     the receiver has answered success.
//   - iotdb-legacy-pipe-sink: writes through the ordinary client write RPCs
//     (TSIService insertTablets), so any server speaking IoTDB's client
//     protocol can receive, at the price of origin marking and order across
//     sinks.
//   - do-nothing-sink: accepts and drops everything.
//
// The Thrift sinks speak pipeTransfer (see pipe/transfer) on the target
// DataNode's client port: each connection handshakes lazily, keeps the
// token the receiver hands out, and handshakes again when the receiver says
// the token expired. A target that answers Sluice's handshake as an Apache
// IoTDB 1.3 DataNode does is spoken to in IoTDB's protocol instead
// (iotdb.go): its V2 or V1 handshake, raw tablets and batches encoded by
// pipe/iotdbwire, and IoTDB's status codes. Targets come from "ip"+"port" and/or "node-urls";
// connections are spread round-robin over them and fail over to the next
// target when one cannot be reached.
//
// Errors follow pipe.Sink's contract: refusals that retrying cannot cure
// (credentials, type conflicts, missing paths with auto-create off, a target
// that is this cluster) wrap pipe.ErrFatal with a message naming the plugin,
// the target and the receiver's words; everything else is transient.
//
// Registry shares one instance among pipes whose sink attributes are equal
// as sets, as the data-sync documentation requires (as written, the way
// IoTDB keys its sink subtasks), and owns the sinks' metrics.
//
// The sinks' attributes are read with or without their "sink." or
// "connector." prefix. Besides the target and credentials they carry how
// tasks batch their writes (pipe.Batcher) and, for the Thrift sinks, the
// compressors each transfer goes through (IoTDB's compressed request, see
// pipe/transfer).
package sink
