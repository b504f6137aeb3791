package peer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/keepalive"
	grpcstatus "google.golang.org/grpc/status"

	"github.com/sluicedb/sluice/certs"
	"github.com/sluicedb/sluice/consensus"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/proto/clusterpb"
	"github.com/sluicedb/sluice/query"
	"github.com/sluicedb/sluice/status"
)

// ErrUnreachable is wrapped by the errors of calls that did not reach the
// peer, or lost it midway: it refused or never completed a connection
// before the context ended, or went away. A Propose that fails so may
// still have been committed.
var ErrUnreachable = errors.New("peer unreachable")

// ErrClosed is returned by a closed Client.
var ErrClosed = errors.New("peer client closed")

// NotLeaderError is the answer of a replica that does not lead the region
// (or no longer hosts it). It wraps consensus.ErrNotLeader.
type NotLeaderError struct {
	Region uint32
	// Hint is the node the replica believes leads the region, 0 when
	// unknown. Only Propose answers carry one.
	Hint uint32
}

// Error implements error.
func (e *NotLeaderError) Error() string {
	if e.Hint == 0 {
		return fmt.Sprintf("region %d: not the leader, leader unknown", e.Region)
	}
	return fmt.Sprintf("region %d: not the leader, try node %d", e.Region, e.Hint)
}

// Unwrap returns consensus.ErrNotLeader.
func (e *NotLeaderError) Unwrap() error { return consensus.ErrNotLeader }

// ClientConfig configures a Client. Zero fields take the defaults.
type ClientConfig struct {
	// KeepaliveTime is how long a connection may be quiet before the
	// client pings the peer; default 10s, the least gRPC allows.
	KeepaliveTime time.Duration
	// KeepaliveTimeout is how long a ping may go unanswered before the
	// connection is dropped and its calls fail with ErrUnreachable;
	// default 5s. With KeepaliveTime it bounds a call to a peer that went
	// silent (paused, cut off) when nothing else ends it first: the
	// DataNode abandons a call to a region leader as soon as it learns of
	// a new one.
	KeepaliveTimeout time.Duration
	// MaxReconnectDelay bounds the backoff between connection attempts to
	// a peer that is down, so that a restarted DataNode is reached again
	// soon; default 2s. Calls made while a peer is backing off fail at once
	// with ErrUnreachable.
	MaxReconnectDelay time.Duration
	// Certs secure the connections with mutual TLS; nil leaves them plain
	// (cluster_insecure).
	Certs *certs.Source
}

func (c *ClientConfig) withDefaults() {
	if c.KeepaliveTime <= 0 {
		c.KeepaliveTime = 10 * time.Second
	}
	if c.KeepaliveTimeout <= 0 {
		c.KeepaliveTimeout = 5 * time.Second
	}
	if c.MaxReconnectDelay <= 0 {
		c.MaxReconnectDelay = 2 * time.Second
	}
}

// Client calls the DataNode service of other DataNodes, keeping one
// connection per address. Its methods are safe for concurrent use.
//
// Reads go to the region's leader, the only replica that answers them;
// the caller applies its database's TTL (raising lo, checking Last's
// time) as it does for local reads.
type Client struct {
	opts []grpc.DialOption

	mu     sync.Mutex
	conns  map[string]*grpc.ClientConn
	closed bool
}

// NewClient returns a client; it connects to a peer on the first call to
// it.
func NewClient(cfg ClientConfig) *Client {
	cfg.withDefaults()
	bo := backoff.DefaultConfig
	bo.BaseDelay = min(bo.BaseDelay, cfg.MaxReconnectDelay)
	bo.MaxDelay = cfg.MaxReconnectDelay
	return &Client{
		opts: []grpc.DialOption{
			cfg.Certs.DialCredentials(),
			grpc.WithKeepaliveParams(keepalive.ClientParameters{
				Time: cfg.KeepaliveTime, Timeout: cfg.KeepaliveTimeout, PermitWithoutStream: true}),
			grpc.WithConnectParams(grpc.ConnectParams{Backoff: bo, MinConnectTimeout: 5 * time.Second}),
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(MaxMessageBytes), grpc.MaxCallSendMsgSize(MaxMessageBytes)),
		},
		conns: make(map[string]*grpc.ClientConn),
	}
}

// Close closes every connection; calls in flight fail. It is idempotent.
func (c *Client) Close() error {
	c.mu.Lock()
	conns := c.conns
	c.conns, c.closed = nil, true
	c.mu.Unlock()
	var errs []error
	for _, cc := range conns {
		errs = append(errs, cc.Close())
	}
	return errors.Join(errs...)
}

func (c *Client) conn(addr string) (*grpc.ClientConn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	if cc := c.conns[addr]; cc != nil {
		return cc, nil
	}
	cc, err := grpc.NewClient(addr, c.opts...)
	if err != nil {
		return nil, fmt.Errorf("peer address %q: %w", addr, err)
	}
	c.conns[addr] = cc
	return cc, nil
}

// Propose commits cmd, an encoded region command, on the leader of region
// at addr; with checkOnly it validates a write command against the
// region's schema without committing it. The region's refusal comes back
// as a status error with the region's IoTDB code.
func (c *Client) Propose(ctx context.Context, addr string, region uint32, cmd []byte, checkOnly bool) error {
	_, err := call(ctx, c, addr, region, func(dc clusterpb.DataNodeClient) (*clusterpb.ProposeResponse, error) {
		return dc.Propose(ctx, &clusterpb.ProposeRequest{RegionId: region, Command: cmd, CheckOnly: checkOnly})
	})
	return err
}

// StopPipeTasks asks the DataNode at addr to stop its tasks of the
// incarnation (pipe, created) once its metadata reflects stateIndex, and
// returns when it has.
func (c *Client) StopPipeTasks(ctx context.Context, addr, pipe string, created int64, stateIndex uint64) error {
	_, err := call(ctx, c, addr, 0, func(dc clusterpb.DataNodeClient) (*clusterpb.StopPipeTasksResponse, error) {
		return dc.StopPipeTasks(ctx, &clusterpb.StopPipeTasksRequest{Pipe: pipe, Created: created, StateIndex: stateIndex})
	})
	return err
}

// AwaitMetadata returns once the metadata copy of the DataNode at addr
// reflects stateIndex.
func (c *Client) AwaitMetadata(ctx context.Context, addr string, stateIndex uint64) error {
	_, err := call(ctx, c, addr, 0, func(dc clusterpb.DataNodeClient) (*clusterpb.AwaitMetadataResponse, error) {
		return dc.AwaitMetadata(ctx, &clusterpb.AwaitMetadataRequest{StateIndex: stateIndex})
	})
	return err
}

// MatchSeries returns the series of region matching pattern, sorted by
// path.
func (c *Client) MatchSeries(ctx context.Context, addr string, region uint32, pattern model.Path) ([]model.Series, error) {
	resp, err := call(ctx, c, addr, region, func(dc clusterpb.DataNodeClient) (*clusterpb.MatchSeriesResponse, error) {
		return dc.MatchSeries(ctx, &clusterpb.MatchSeriesRequest{RegionId: region, Pattern: pattern.String()})
	})
	if err != nil {
		return nil, err
	}
	out := make([]model.Series, len(resp.GetSeries()))
	for i, p := range resp.GetSeries() {
		if out[i], err = seriesFromPB(p); err != nil {
			return nil, fmt.Errorf("peer %s: %w", addr, err)
		}
	}
	return out, nil
}

// Scan returns the points of series in [lo, hi] as query.Store's Scan
// does. The first batch is awaited under ctx, so that a refusal is the
// returned error. The iterator then outlives ctx: a query's result is read
// page by page over later client requests. It must be closed, which ends
// the stream and releases the peer's read view.
func (c *Client) Scan(ctx context.Context, addr string, region uint32, series model.Series, lo, hi int64) (query.SeriesIterator, error) {
	cc, err := c.conn(addr)
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stopFirst := context.AfterFunc(ctx, cancel)
	defer stopFirst()
	stream, err := clusterpb.NewDataNodeClient(cc).Scan(sctx, &clusterpb.ScanRequest{
		RegionId: region, Path: series.Path.String(), Lo: lo, Hi: hi})
	if err != nil {
		cancel()
		return nil, rpcErr(ctx, cc, addr, err)
	}
	it := &scanIterator{ctx: ctx, cancel: cancel, cc: cc, addr: addr, region: region, stream: stream}
	err = it.fetch()
	it.ctx = sctx
	if err != nil {
		cancel()
		return nil, err
	}
	return it, nil
}

// Stats aggregates the points of series in [lo, hi] as query.Store's
// Stats does.
func (c *Client) Stats(ctx context.Context, addr string, region uint32, series model.Series, lo, hi int64) (query.Stats, error) {
	resp, err := call(ctx, c, addr, region, func(dc clusterpb.DataNodeClient) (*clusterpb.StatsResponse, error) {
		return dc.Stats(ctx, &clusterpb.StatsRequest{RegionId: region, Path: series.Path.String(), Lo: lo, Hi: hi})
	})
	if err != nil {
		return query.Stats{}, err
	}
	st := query.Stats{Count: resp.GetCount(), Sum: resp.GetSum(), FirstTime: resp.GetFirstTime(), LastTime: resp.GetLastTime()}
	for _, v := range []struct {
		dst *any
		b   []byte
	}{{&st.Min, resp.GetMin()}, {&st.Max, resp.GetMax()}, {&st.First, resp.GetFirst()}, {&st.Last, resp.GetLast()}} {
		if *v.dst, err = decodeValue(v.b); err != nil {
			return query.Stats{}, fmt.Errorf("peer %s: stats of %s: %w", addr, series.Path, err)
		}
	}
	return st, nil
}

// Last returns the newest point of series as query.Store's Last does.
func (c *Client) Last(ctx context.Context, addr string, region uint32, series model.Series) (int64, any, bool, error) {
	resp, err := call(ctx, c, addr, region, func(dc clusterpb.DataNodeClient) (*clusterpb.LastResponse, error) {
		return dc.Last(ctx, &clusterpb.LastRequest{RegionId: region, Path: series.Path.String()})
	})
	if err != nil || !resp.GetFound() {
		return 0, nil, false, err
	}
	v, err := decodeValue(resp.GetValue())
	if err != nil {
		return 0, nil, false, fmt.Errorf("peer %s: last of %s: %w", addr, series.Path, err)
	}
	return resp.GetTime(), v, true, nil
}

type response interface{ GetStatus() *clusterpb.Status }

// call runs a unary call on the peer at addr and turns a failed status
// into an error.
func call[R response](ctx context.Context, c *Client, addr string, region uint32, rpc func(clusterpb.DataNodeClient) (R, error)) (R, error) {
	var zero R
	cc, err := c.conn(addr)
	if err != nil {
		return zero, err
	}
	resp, err := rpc(clusterpb.NewDataNodeClient(cc))
	if err != nil {
		return zero, rpcErr(ctx, cc, addr, err)
	}
	var hint uint32
	if h, ok := any(resp).(interface{ GetLeaderHint() uint32 }); ok {
		hint = h.GetLeaderHint()
	}
	if err := statusErr(region, resp.GetStatus(), hint); err != nil {
		return zero, err
	}
	return resp, nil
}

// statusErr turns a peer's status into the error it stands for.
func statusErr(region uint32, st *clusterpb.Status, hint uint32) error {
	if st == nil {
		return status.Errorf(status.InternalServerError, "peer answered without a status")
	}
	switch code := status.Code(st.GetCode()); code {
	case status.Success:
		return nil
	case notLeaderCode:
		return &NotLeaderError{Region: region, Hint: hint}
	default:
		return status.Errorf(code, "%s", st.GetMessage())
	}
}

// rpcErr classifies a failed gRPC call. A call that ends with its context
// while the connection is not up never reached the peer.
func rpcErr(ctx context.Context, cc *grpc.ClientConn, addr string, err error) error {
	switch grpcstatus.Code(err) {
	case codes.Unavailable:
		return fmt.Errorf("%w %s: %s", ErrUnreachable, addr, grpcstatus.Convert(err).Message())
	case codes.Canceled, codes.DeadlineExceeded:
		if ctxErr := ctx.Err(); ctxErr != nil {
			if cc.GetState() != connectivity.Ready {
				return fmt.Errorf("%w %s: %w", ErrUnreachable, addr, ctxErr)
			}
			return fmt.Errorf("peer %s: %w", addr, ctxErr)
		}
	}
	return status.Errorf(status.InternalServerError, "peer %s: %v", addr, err)
}

// scanIterator streams a remote scan, handing out its batches in pieces of
// the size the reader asks for.
type scanIterator struct {
	ctx    context.Context // the stream's (the caller's until the first batch), to tell its end from the peer's
	cancel context.CancelFunc
	cc     *grpc.ClientConn
	addr   string
	region uint32
	stream grpc.ServerStreamingClient[clusterpb.ScanResponse]

	times  []int64
	values model.Column
	pos    int
	done   bool
	err    error
}

// fetch receives the next non-empty batch, or marks the end.
func (it *scanIterator) fetch() error {
	for {
		msg, err := it.stream.Recv()
		if errors.Is(err, io.EOF) {
			it.done = true
			it.cancel()
			return nil
		}
		if err != nil {
			return rpcErr(it.ctx, it.cc, it.addr, err)
		}
		if err := statusErr(it.region, msg.GetStatus(), 0); err != nil {
			return err
		}
		times, values, err := decodePoints(msg.GetPoints())
		if err != nil {
			return fmt.Errorf("peer %s: %w", it.addr, err)
		}
		if len(times) > 0 {
			it.times, it.values, it.pos = times, values, 0
			return nil
		}
	}
}

// Next implements query.SeriesIterator.
func (it *scanIterator) Next(max int) ([]int64, model.Column, error) {
	if it.err != nil {
		return nil, model.Column{}, it.err
	}
	if it.pos == len(it.times) && !it.done {
		if it.err = it.fetch(); it.err != nil {
			it.cancel()
			return nil, model.Column{}, it.err
		}
	}
	if it.pos == len(it.times) {
		return nil, model.Column{Type: it.values.Type}, nil
	}
	from, to := it.pos, len(it.times)
	if max > 0 && to-from > max {
		to = from + max
	}
	it.pos = to
	return it.times[from:to], it.values.Slice(from, to), nil
}

// Close implements query.SeriesIterator: it ends the stream.
func (it *scanIterator) Close() {
	it.cancel()
	it.times, it.pos, it.done = nil, 0, true
}
