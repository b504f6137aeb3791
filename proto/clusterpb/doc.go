// Package clusterpb is the gRPC code generated from proto/cluster.proto
// (`make proto`), plus hand-written helpers in status.go.
package clusterpb
