package peer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"

	"github.com/sluicedb/sluice/certs"
	"github.com/sluicedb/sluice/consensus"
	"github.com/sluicedb/sluice/datanode/queries"
	"github.com/sluicedb/sluice/datanode/region"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/proto/clusterpb"
	"github.com/sluicedb/sluice/status"
	"github.com/sluicedb/sluice/storage"
)

// MaxMessageBytes bounds one message either way. A proposed command holds
// a whole client write, which the client protocol admits up to 256 MiB.
const MaxMessageBytes = 512 << 20

// notLeaderCode is the status of an answer from a replica that does not
// lead the region. IoTDB has no code meaning exactly that; its
// REDIRECTION_RECOMMEND is the one that tells a caller to go elsewhere.
const notLeaderCode = status.RedirectionRecommend

// Host is the DataNode as the server sees it.
type Host interface {
	// Leading returns the replica of region hosted here when this node
	// leads the region's group and may serve it: it has applied every entry
	// committed before its term (a Barrier after winning the election), so
	// that its state machine reflects every write acknowledged to anyone.
	// Otherwise fsm and g are nil and leaderHint is the node this node
	// believes leads the region, 0 when unknown or when the region is not
	// hosted here. It is called on every request and must not block.
	Leading(region uint32) (fsm *region.FSM, g *consensus.Group, leaderHint uint32)
	// StopPipeTasks returns once the node's copy of the metadata reflects
	// stateIndex and it runs no task of the incarnation (pipe, created)
	// that this state does not want, or with why it could not within ctx.
	StopPipeTasks(ctx context.Context, pipe string, created int64, stateIndex uint64) error
	// AwaitMetadata returns once the node's copy of the metadata reflects
	// stateIndex, or with why it could not within ctx.
	AwaitMetadata(ctx context.Context, stateIndex uint64) error
	// Queries lists the queries running on this node.
	Queries() []queries.Info
	// KillQueries cancels the query id, or every query of this node when
	// id is empty, and returns how many it cancelled.
	KillQueries(id string) int
}

// ServerConfig configures a Server. Zero fields take the defaults.
type ServerConfig struct {
	// ScanBatchPoints is the most points one Scan message carries; default
	// 4096.
	ScanBatchPoints int
	// AdmitWrite, when set, is asked before a write command of size bytes
	// is proposed (not for a check_only request); an error refuses it with
	// its status, as the DataNode's disk reserve does.
	AdmitWrite func(size int) error
	// TestingKnobs inject faults in tests.
	TestingKnobs TestingKnobs
}

// TestingKnobs are hooks for tests; all are nil in production.
type TestingKnobs struct {
	// AfterScanSend runs after Scan sends a batch, with the stream's
	// context.
	AfterScanSend func(ctx context.Context)
}

// Server serves the DataNode gRPC service from the regions this node
// leads. Register it with clusterpb.RegisterDataNodeServer on a
// grpc.Server built with ServerOptions.
type Server struct {
	clusterpb.UnimplementedDataNodeServer

	cfg     ServerConfig
	host    Host
	logger  *slog.Logger
	metrics *serverMetrics
}

var _ clusterpb.DataNodeServer = (*Server)(nil)

// NewServer returns a server over host, with its metrics registered on reg.
func NewServer(cfg ServerConfig, host Host, logger *slog.Logger, reg prometheus.Registerer) *Server {
	if cfg.ScanBatchPoints <= 0 {
		cfg.ScanBatchPoints = 4096
	}
	return &Server{cfg: cfg, host: host, logger: logger, metrics: newServerMetrics(reg)}
}

// ServerOptions are the grpc.Server options Client expects of its peers:
// message limits that fit the largest client write, a keepalive policy
// that admits Client's pings, and pings of idle callers so that a scan
// towards a vanished coordinator does not hold its read view for long;
// with src, callers must present a certificate of the cluster CA.
func ServerOptions(src *certs.Source) []grpc.ServerOption {
	return append(src.ServerCredentials(),
		grpc.MaxRecvMsgSize(MaxMessageBytes),
		grpc.MaxSendMsgSize(MaxMessageBytes),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 5 * time.Second, PermitWithoutStream: true}),
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: 30 * time.Second, Timeout: 10 * time.Second}),
	)
}

var statusOK = &clusterpb.Status{Code: int32(status.Success)}

func notLeader(id uint32) *clusterpb.Status {
	return &clusterpb.Status{Code: int32(notLeaderCode), Message: fmt.Sprintf("this node does not lead region %d", id)}
}

func statusOf(err error) *clusterpb.Status {
	if err == nil {
		return statusOK
	}
	return &clusterpb.Status{Code: int32(status.CodeOf(err)), Message: err.Error()}
}

// failure is the status of a request that failed with err, and the leader
// hint to go with it. A group that lost its leadership or is closing
// sends the caller to the leader.
func (s *Server) failure(id uint32, err error) (*clusterpb.Status, uint32) {
	if errors.Is(err, consensus.ErrNotLeader) || errors.Is(err, consensus.ErrClosed) {
		_, _, hint := s.host.Leading(id)
		return notLeader(id), hint
	}
	return statusOf(err), 0
}

// Propose implements clusterpb.DataNodeServer.
func (s *Server) Propose(ctx context.Context, req *clusterpb.ProposeRequest) (*clusterpb.ProposeResponse, error) {
	resp := &clusterpb.ProposeResponse{}
	resp.Status, resp.LeaderHint = s.propose(ctx, req)
	s.observe("Propose", resp.Status)
	return resp, nil
}

func (s *Server) propose(ctx context.Context, req *clusterpb.ProposeRequest) (*clusterpb.Status, uint32) {
	fsm, g, hint := s.host.Leading(req.GetRegionId())
	if fsm == nil || g == nil {
		return notLeader(req.GetRegionId()), hint
	}
	if err := admit(fsm, req.GetCommand(), req.GetCheckOnly()); err != nil || req.GetCheckOnly() {
		return statusOf(err), 0
	}
	if s.cfg.AdmitWrite != nil && region.IsWrite(req.GetCommand()) {
		if err := s.cfg.AdmitWrite(len(req.GetCommand())); err != nil {
			return statusOf(err), 0
		}
	}
	if _, err := g.Apply(ctx, req.GetCommand()); err != nil {
		return s.failure(req.GetRegionId(), err)
	}
	return statusOK, 0
}

// admit decides whether a command may be proposed (or, with checkOnly, only
// checks it): it must decode, since an entry that does not stops every
// replica, and a write must fit the region's schema as applying it would
// require, so that a refused write takes no log space.
func admit(fsm *region.FSM, cmd []byte, checkOnly bool) error {
	w, isWrite, err := region.DecodeWrite(cmd)
	switch {
	case err != nil:
		return status.Errorf(status.IllegalParameter, "refused a malformed command: %w", err)
	case !isWrite && checkOnly:
		return status.Errorf(status.IllegalParameter, "check_only takes a write command")
	case !isWrite:
		if err := region.ValidateCommand(cmd); err != nil {
			return status.Errorf(status.IllegalParameter, "refused to propose a malformed command: %w", err)
		}
		return nil
	}
	for _, t := range w.Tablets {
		if err := fsm.Check(t, w.AutoCreate); err != nil {
			return err
		}
	}
	return nil
}

// StopPipeTasks implements clusterpb.DataNodeServer.
func (s *Server) StopPipeTasks(ctx context.Context, req *clusterpb.StopPipeTasksRequest) (*clusterpb.StopPipeTasksResponse, error) {
	resp := &clusterpb.StopPipeTasksResponse{Status: statusOK}
	if req.GetPipe() == "" {
		resp.Status = statusOf(status.Errorf(status.IllegalParameter, "StopPipeTasks names no pipe"))
	} else if err := s.host.StopPipeTasks(ctx, req.GetPipe(), req.GetCreated(), req.GetStateIndex()); err != nil {
		resp.Status = statusOf(err)
	}
	s.observe("StopPipeTasks", resp.Status)
	return resp, nil
}

// AwaitMetadata implements clusterpb.DataNodeServer.
func (s *Server) AwaitMetadata(ctx context.Context, req *clusterpb.AwaitMetadataRequest) (*clusterpb.AwaitMetadataResponse, error) {
	resp := &clusterpb.AwaitMetadataResponse{Status: statusOK}
	if err := s.host.AwaitMetadata(ctx, req.GetStateIndex()); err != nil {
		resp.Status = statusOf(err)
	}
	s.observe("AwaitMetadata", resp.Status)
	return resp, nil
}

// MatchSeries implements clusterpb.DataNodeServer.
func (s *Server) MatchSeries(_ context.Context, req *clusterpb.MatchSeriesRequest) (*clusterpb.MatchSeriesResponse, error) {
	resp := &clusterpb.MatchSeriesResponse{}
	defer func() { s.observe("MatchSeries", resp.Status) }()
	fsm, _, _ := s.host.Leading(req.GetRegionId())
	if fsm == nil {
		resp.Status = notLeader(req.GetRegionId())
		return resp, nil
	}
	pattern, err := model.ParsePath(req.GetPattern())
	if err != nil {
		resp.Status = statusOf(status.Errorf(status.IllegalPath, "%w", err))
		return resp, nil
	}
	entries := fsm.Match(pattern)
	resp.Series = make([]*clusterpb.Series, len(entries))
	for i := range entries {
		resp.Series[i] = seriesToPB(&entries[i].Series)
	}
	resp.Status = statusOK
	return resp, nil
}

// open finds the series at path in region id and takes a read view of
// the region for it. The view is nil, with an OK status, when the region
// holds no such series; otherwise the caller closes it.
func (s *Server) open(id uint32, path string) (*storage.View, region.Entry, *clusterpb.Status) {
	fsm, _, _ := s.host.Leading(id)
	if fsm == nil {
		return nil, region.Entry{}, notLeader(id)
	}
	p, err := model.ParseFullPath(path)
	if err != nil {
		return nil, region.Entry{}, statusOf(status.Errorf(status.IllegalPath, "%w", err))
	}
	e, ok := fsm.Entry(p)
	if !ok {
		return nil, region.Entry{}, statusOK
	}
	return fsm.View(), e, statusOK
}

// Scan implements clusterpb.DataNodeServer. The view is released when the
// scan ends, fails, or the caller goes away: Send fails once the stream's
// context is done.
func (s *Server) Scan(req *clusterpb.ScanRequest, stream grpc.ServerStreamingServer[clusterpb.ScanResponse]) error {
	st, err := s.scan(req, stream)
	s.observe("Scan", st)
	return err
}

// scan streams the points; its status is nil when the caller went away.
func (s *Server) scan(req *clusterpb.ScanRequest, stream grpc.ServerStreamingServer[clusterpb.ScanResponse]) (*clusterpb.Status, error) {
	v, e, st := s.open(req.GetRegionId(), req.GetPath())
	if v == nil {
		if st.Code == int32(status.Success) {
			return st, nil // no such series: no points
		}
		return st, stream.Send(&clusterpb.ScanResponse{Status: st})
	}
	defer v.Close()
	s.metrics.openScans.Inc()
	defer s.metrics.openScans.Dec()
	it := v.Scan(e.ID, e.Type, req.GetLo(), req.GetHi())
	defer it.Close()
	ctx := stream.Context()
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		times, values, err := it.Next(s.cfg.ScanBatchPoints)
		if err != nil {
			st, _ := s.failure(req.GetRegionId(), err)
			return st, stream.Send(&clusterpb.ScanResponse{Status: st})
		}
		if len(times) == 0 {
			return statusOK, nil
		}
		if err := stream.Send(&clusterpb.ScanResponse{Status: statusOK, Points: encodePoints(times, values)}); err != nil {
			return nil, err
		}
		if k := s.cfg.TestingKnobs.AfterScanSend; k != nil {
			k(ctx)
		}
	}
}

// Stats implements clusterpb.DataNodeServer.
func (s *Server) Stats(_ context.Context, req *clusterpb.StatsRequest) (*clusterpb.StatsResponse, error) {
	resp := &clusterpb.StatsResponse{}
	defer func() { s.observe("Stats", resp.Status) }()
	v, e, st := s.open(req.GetRegionId(), req.GetPath())
	if resp.Status = st; v == nil {
		return resp, nil
	}
	defer v.Close()
	stats, err := v.Stats(e.ID, e.Type, req.GetLo(), req.GetHi())
	if err != nil {
		resp.Status, _ = s.failure(req.GetRegionId(), err)
		return resp, nil
	}
	resp.Count, resp.Sum = stats.Count, stats.Sum
	resp.Min, resp.Max = encodeValue(e.Type, stats.Min), encodeValue(e.Type, stats.Max)
	resp.First, resp.Last = encodeValue(e.Type, stats.FirstValue), encodeValue(e.Type, stats.LastValue)
	resp.FirstTime, resp.LastTime = stats.FirstTime, stats.LastTime
	return resp, nil
}

// Last implements clusterpb.DataNodeServer.
func (s *Server) Last(_ context.Context, req *clusterpb.LastRequest) (*clusterpb.LastResponse, error) {
	resp := &clusterpb.LastResponse{}
	defer func() { s.observe("Last", resp.Status) }()
	v, e, st := s.open(req.GetRegionId(), req.GetPath())
	if resp.Status = st; v == nil {
		return resp, nil
	}
	defer v.Close()
	t, value, ok, err := v.Last(e.ID, e.Type)
	if err != nil {
		resp.Status, _ = s.failure(req.GetRegionId(), err)
		return resp, nil
	}
	if ok {
		resp.Found, resp.Time, resp.Value = true, t, encodeValue(e.Type, value)
	}
	return resp, nil
}

type serverMetrics struct {
	requests  *prometheus.CounterVec
	openScans prometheus.Gauge
}

func newServerMetrics(reg prometheus.Registerer) *serverMetrics {
	m := &serverMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_peer_requests_total",
			Help: "DataNode service requests served, by method and IoTDB status code (\"canceled\" when the caller went away).",
		}, []string{"method", "code"}),
		openScans: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sluice_peer_open_scans",
			Help: "Scans streaming to other DataNodes, each holding a read view of its region.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.openScans)
	}
	return m
}

// observe counts a request by its outcome and logs the failures that are
// not the caller's doing.
// A nil status stands for a caller that went away.
func (s *Server) observe(method string, st *clusterpb.Status) {
	code := "canceled"
	if st != nil {
		code = strconv.Itoa(int(st.GetCode()))
	}
	s.metrics.requests.WithLabelValues(method, code).Inc()
	if status.Code(st.GetCode()) == status.InternalServerError {
		s.logger.Warn("peer request failed", "method", method, "err", st.GetMessage())
	}
}
