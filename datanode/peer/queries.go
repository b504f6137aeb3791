package peer

import (
	"context"
	"time"

	"github.com/sluicedb/sluice/datanode/queries"
	"github.com/sluicedb/sluice/proto/clusterpb"
)

// Queries implements clusterpb.DataNodeServer.
func (s *Server) Queries(context.Context, *clusterpb.QueriesRequest) (*clusterpb.QueriesResponse, error) {
	resp := &clusterpb.QueriesResponse{Status: statusOK}
	for _, q := range s.host.Queries() {
		resp.Queries = append(resp.Queries, &clusterpb.RunningQuery{Id: q.ID, DataNodeId: q.DataNodeID,
			StartUnixMs: q.Start.UnixMilli(), Statement: q.Statement})
	}
	s.observe("Queries", resp.Status)
	return resp, nil
}

// KillQueries implements clusterpb.DataNodeServer.
func (s *Server) KillQueries(_ context.Context, req *clusterpb.KillQueriesRequest) (*clusterpb.KillQueriesResponse, error) {
	resp := &clusterpb.KillQueriesResponse{Status: statusOK, Killed: int32(s.host.KillQueries(req.GetId()))}
	s.observe("KillQueries", resp.Status)
	return resp, nil
}

// Queries lists the queries running on the DataNode at addr.
func (c *Client) Queries(ctx context.Context, addr string) ([]queries.Info, error) {
	resp, err := call(ctx, c, addr, 0, func(dc clusterpb.DataNodeClient) (*clusterpb.QueriesResponse, error) {
		return dc.Queries(ctx, &clusterpb.QueriesRequest{})
	})
	if err != nil {
		return nil, err
	}
	out := make([]queries.Info, 0, len(resp.GetQueries()))
	for _, q := range resp.GetQueries() {
		out = append(out, queries.Info{ID: q.GetId(), DataNodeID: q.GetDataNodeId(),
			Start: time.UnixMilli(q.GetStartUnixMs()), Statement: q.GetStatement()})
	}
	return out, nil
}

// KillQueries cancels the query id on the DataNode at addr, or all of its
// queries when id is empty, and returns how many were cancelled.
func (c *Client) KillQueries(ctx context.Context, addr, id string) (int, error) {
	resp, err := call(ctx, c, addr, 0, func(dc clusterpb.DataNodeClient) (*clusterpb.KillQueriesResponse, error) {
		return dc.KillQueries(ctx, &clusterpb.KillQueriesRequest{Id: id})
	})
	if err != nil {
		return 0, err
	}
	return int(resp.GetKilled()), nil
}
