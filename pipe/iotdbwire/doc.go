// Package iotdbwire decodes the pipe transfer bodies an Apache IoTDB 1.3
// sender puts in TPipeTransferReq.body, so that an IoTDB cluster's
// iotdb-thrift-sink can write into Sluice, and encodes the ones Sluice's
// sink sends to an IoTDB 1.3 receiver: both handshakes, raw tablets and
// batches of raw tablets, byte for byte as IoTDB's sender writes them.
//
// IoTDB serializes with Java's DataOutputStream conventions: big-endian
// fixed-width integers and IEEE 754 floats, a boolean as one byte, a string
// (and a TEXT value) as an int32 byte length followed by the bytes, -1 for
// null. The bodies handled here are, by request type (RequestType):
//
//   - HandshakeV1 (1): a string, the sender's timestamp precision.
//   - HandshakeV2 (51): an int32 count of string key-value pairs
//     (timestampPrecision, clusterID, username, password, ...).
//   - TabletInsertNode (2): a plan node as IoTDB's query engine serializes
//     it: InsertTabletNode, InsertRowNode or InsertRowsNode.
//   - TabletRaw (3): a TsFile Tablet serialization followed by the
//     aligned flag.
//   - TabletBinary (7): a write-ahead-log entry (entry type, memtable id,
//     then the insert node in its WAL form, which has a search index and no
//     plan node id).
//   - TabletBatch (6): an int32-counted list of binary entries (each
//     int32-length-prefixed), one of insert nodes and one of raw tablets.
//   - TsFilePiece (4) and TsFilePieceWithMod (8): a file name, an offset
//     and bytes; TsFileSeal (5): a file name and length; TsFileSealWithMod
//     (9): names (the .mods file, then the TsFile), lengths, parameters.
//
// Every decoder treats its input as hostile: it checks each length read
// from the wire against the bytes left before allocating for it, charges
// what the decoded tablets take against a limit (ErrTooLarge past it),
// returns an error wrapping ErrCorrupt on any inconsistency and never
// panics.
package iotdbwire
