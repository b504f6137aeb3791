// Package peer is the DataNode-to-DataNode RPC of a Sluice cluster: the
// DataNode gRPC service of proto/cluster.proto. A DataNode coordinating a
// client request uses Client to send the parts owned by regions led on
// other DataNodes to their leaders, whose Server runs them against the
// region's state machine.
//
// Only a region's leader answers, for writes and reads alike: a follower
// may lag behind what the leader acknowledged, and a coordinator must never
// read older data than a write it already confirmed. Any other replica
// answers with status.RedirectionRecommend, which Client turns into a
// *NotLeaderError carrying the leader it believes in.
//
// Points and values travel as pipe/transfer tablet bodies: a Scan message
// holds one tablet of one unnamed column, and a Stats or Last value is a
// one-row tablet (an empty body standing for no value). That format
// already covers the six IoTDB types and nulls, and its decoder treats
// every input as hostile.
package peer
