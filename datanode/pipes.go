package datanode

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/sluicedb/sluice/confignode"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe/plugin"
	"github.com/sluicedb/sluice/pipe/sink"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// runPipe executes the pipe statements. Each change is committed through
// the ConfigNode before it returns, and the local tasks follow at once;
// STOP, DROP and ALTER also wait for the other DataNodes to stop the tasks
// that the change ends (ALTER: those of the old definition).
func (d *DataNode) runPipe(ctx context.Context, user string, stmt ast.Statement) (*model.Result, error) {
	var err error
	stopping, created := "", int64(0) // the pipe a STOP, DROP or ALTER stops tasks of
	switch s := stmt.(type) {
	case *ast.CreatePipe:
		if s.IfNotExists && d.pipeExists(s.Name) {
			return nil, nil
		}
		err = d.createPipe(ctx, user, s)
		if err != nil && s.IfNotExists && d.pipeExists(s.Name) {
			err = nil // created meanwhile by another statement
		}
	case *ast.StartPipe:
		err = d.meta.StartPipe(ctx, s.Name)
	case *ast.StopPipe:
		stopping, created = s.Name, d.pipeCreated(s.Name)
		err = d.meta.StopPipe(ctx, s.Name)
	case *ast.DropPipe:
		if s.IfExists && !d.pipeExists(s.Name) {
			return nil, nil
		}
		stopping, created = s.Name, d.pipeCreated(s.Name)
		err = d.meta.DropPipe(ctx, s.Name)
	case *ast.AlterPipe:
		if created, err = d.alterPipe(ctx, user, s); err == nil && created == 0 {
			return nil, nil // nothing to change
		}
		stopping = s.Name
	case *ast.ShowPipes:
		return d.showPipes(ctx, s)
	case *ast.ShowPipeStatistics:
		return d.showPipeStatistics(ctx)
	case *ast.ShowPipePlugins:
		return d.showPipePlugins(), nil
	}
	if err != nil {
		return nil, err
	}
	d.pipes.Reconcile()
	if stopping != "" {
		// The local copy reflects the change: its index is the change's or
		// later. STOP and DROP return once no DataNode sends any more.
		return nil, d.awaitPipeStopped(ctx, stopping, created, d.meta.StateIndex(), pipeStopTimeout)
	}
	return nil, nil
}

// pipeExists reports whether the metadata holds a pipe called name.
func (d *DataNode) pipeExists(name string) bool {
	_, ok := d.pipeNamed(name)
	return ok
}

// pipeNamed returns the pipe called name from the local metadata copy.
func (d *DataNode) pipeNamed(name string) (confignode.Pipe, bool) {
	for _, p := range d.meta.Pipes() {
		if p.Name == name {
			return p, true
		}
	}
	return confignode.Pipe{}, false
}

// createPipe commits a pipe owned by user.
func (d *DataNode) createPipe(ctx context.Context, user string, s *ast.CreatePipe) error {
	scope, err := d.checkPipe(ctx, user, s.Source, s.Processor, s.Sink)
	if err != nil {
		return err
	}
	return d.meta.CreatePipe(ctx, s.Name, user, scope, s.Source, s.Processor, d.sealSecrets(s.Sink))
}

// checkPipe validates a pipe definition (its sink's secrets open) for
// user, as CREATE and ALTER PIPE take it, and returns the scope its source
// reads. user needs READ_DATA on that scope: USE_PIPE alone must not ship
// data its holder could not SELECT. The sink must not be this cluster.
func (d *DataNode) checkPipe(ctx context.Context, user string, source, processor, sink []ast.Attribute) (model.Path, error) {
	spec, err := plugin.Parse(source, processor, sink, time.Local)
	if err != nil {
		return nil, err
	}
	scope := spec.Source.ReadScope()
	if !d.meta.Allowed(user, privReadData, scope) {
		hint := ""
		if !strings.HasSuffix(spec.Source.Pattern, ".") && spec.Source.Pattern != "root" {
			hint = fmt.Sprintf(" (the pattern %s is a prefix: it also selects paths whose last node continues it; end it with a dot, %s., to select its subtree only)",
				spec.Source.Pattern, spec.Source.Pattern)
		}
		return nil, status.Errorf(status.NoPermission, "no permissions for this operation, please add privilege READ_DATA on %s: the pipe's source selects it%s",
			scope, hint)
	}
	if err := d.refuseSelfSink(ctx, spec.Sink); err != nil {
		return nil, err
	}
	return scope, nil
}

// sealSecrets returns attrs with every secret (a password) sealed with the
// cluster key, as the ConfigNodes store them.
func (d *DataNode) sealSecrets(attrs []ast.Attribute) []ast.Attribute {
	out := make([]ast.Attribute, len(attrs))
	for i, a := range attrs {
		if plugin.IsSecretKey(a.Key) {
			a.Value = d.cfg.SealKey.Seal(a.Value)
		}
		out[i] = a
	}
	return out
}

// openSecrets undoes sealSecrets, for the sink that needs the passwords.
func (d *DataNode) openSecrets(attrs []ast.Attribute) ([]ast.Attribute, error) {
	out := make([]ast.Attribute, len(attrs))
	for i, a := range attrs {
		if plugin.IsSecretKey(a.Key) {
			v, err := d.cfg.SealKey.Open(a.Value)
			if err != nil {
				return nil, status.Errorf(status.PipeError, "sink parameter %s: %w", a.Key, err)
			}
			a.Value = v
		}
		out[i] = a
	}
	return out, nil
}

// refuseSelfSink refuses a sink that points at this cluster: by address
// when it names this node's client port, advertised client endpoint or
// air-gap port, and by cluster id when the target answers a handshake.
func (d *DataNode) refuseSelfSink(ctx context.Context, attrs map[string]string) error {
	rpcPort, adv := d.rpcPort(), d.rpcAdvertised()
	_, airGapPort, _ := net.SplitHostPort(d.AirGapAddr())
	for _, target := range plugin.SinkEndpoints(attrs) {
		host, port, err := net.SplitHostPort(target)
		if err != nil {
			continue
		}
		if host == adv.Host && port == strconv.Itoa(adv.Port) {
			return status.Errorf(status.PipeError, "sink %s is this cluster's own client service: a pipe cannot sync a cluster to itself", target)
		}
		what := "client service"
		if port == airGapPort {
			what = "air-gap receiver"
		} else if port != rpcPort {
			continue
		}
		if ip := net.ParseIP(host); host == "localhost" || (ip != nil && (ip.IsLoopback() || ip.IsUnspecified())) || host == d.rpcHost() {
			return status.Errorf(status.PipeError, "sink %s is this cluster's own %s: a pipe cannot sync a cluster to itself", target, what)
		}
	}
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if id, err := sink.Probe(pctx, attrs, d.sinkConfig()); err == nil && id != "" && id == d.meta.ClusterID() {
		return status.Errorf(status.PipeError, "sink %s belongs to this cluster (id %s): a pipe cannot sync a cluster to itself",
			strings.Join(plugin.SinkEndpoints(attrs), ","), id)
	}
	return nil
}

func (d *DataNode) showPipes(ctx context.Context, s *ast.ShowPipes) (*model.Result, error) {
	pipes := d.meta.Pipes()
	var keep func(p *confignode.Pipe) bool
	switch {
	case s.Name != "":
		keep = func(p *confignode.Pipe) bool { return p.Name == s.Name }
	case s.UsedBy != "":
		var key string
		for i := range pipes {
			if pipes[i].Name == s.UsedBy {
				key = d.sinkKey(&pipes[i])
			}
		}
		// An unknown pipe uses no sink: the result is empty, as in IoTDB.
		keep = func(p *confignode.Pipe) bool { return key != "" && d.sinkKey(p) == key }
	default:
		keep = func(*confignode.Pipe) bool { return true }
	}
	stats := d.statisticsByName(ctx, pipes)
	var rows [][]string
	for i := range pipes {
		p := &pipes[i]
		if !keep(p) {
			continue
		}
		st := stats[p.Name]
		rows = append(rows, []string{p.Name, time.UnixMilli(p.CreationTime).Format("2006-01-02T15:04:05.000"), p.State,
			plugin.Show(p.Source), plugin.Show(p.Processor), plugin.Show(p.Sink), p.Exception,
			strconv.FormatInt(st.Remaining, 10), formatSeconds(st.EstimatedSeconds)})
	}
	return textResult([]string{"ID", "CreationTime", "State", "PipeSource", "PipeProcessor", "PipeSink",
		"ExceptionMessage", "RemainingEventCount", "EstimatedRemainingSeconds"}, rows), nil
}

// statisticsByName is the cluster-wide figures of every pipe, by name.
// When the ConfigNode leader cannot be asked, the figures come from this
// node's replicas alone.
func (d *DataNode) statisticsByName(ctx context.Context, pipes []confignode.Pipe) map[string]confignode.PipeStats {
	out := make(map[string]confignode.PipeStats, len(pipes))
	sctx, cancel := context.WithTimeout(ctx, statisticsTimeout)
	defer cancel()
	stats, err := d.pipeStatistics(sctx)
	if err == nil {
		for _, s := range stats {
			out[s.Name] = s
		}
		return out
	}
	d.logger.Warn("pipe statistics from this node only", "err", err)
	for i := range pipes {
		p := &pipes[i]
		remaining := d.pipes.PendingEntries(p)
		out[p.Name] = confignode.PipeStats{Name: p.Name, State: p.State, Exception: p.Exception, Remaining: remaining,
			EstimatedSeconds: confignode.EstimateSeconds(remaining, d.pipes.LocalRate(p.Name))}
	}
	return out
}

// statisticsTimeout bounds asking the ConfigNode leader for pipe
// statistics.
const statisticsTimeout = 5 * time.Second

// showPipeStatistics is SHOW PIPES STATISTICS: one row per pipe with its
// cluster-wide figures.
func (d *DataNode) showPipeStatistics(ctx context.Context) (*model.Result, error) {
	sctx, cancel := context.WithTimeout(ctx, statisticsTimeout)
	defer cancel()
	stats, err := d.pipeStatistics(sctx)
	if err != nil {
		return nil, status.Errorf(status.PipeError, "pipe statistics: %v", err)
	}
	rows := make([][]string, 0, len(stats))
	for _, s := range stats {
		rows = append(rows, []string{s.Name, s.State, strconv.FormatInt(s.Remaining, 10),
			strconv.FormatFloat(s.EventsPerSecond, 'f', 2, 64), strconv.FormatFloat(s.LagSeconds, 'f', 2, 64),
			formatSeconds(s.EstimatedSeconds), s.Exception,
			strconv.FormatUint(s.PointsSent, 10), strconv.FormatUint(s.Retries, 10)})
	}
	return textResult([]string{"ID", "State", "RemainingEventCount", "EventsPerSecond", "LagSeconds",
		"EstimatedRemainingSeconds", "ExceptionMessage", "PointsSent", "Retries"}, rows), nil
}

// sinkKey is the canonical identity of a pipe's sink, shared by pipes
// whose sink attributes are equal as sets.
func (d *DataNode) sinkKey(p *confignode.Pipe) string {
	spec, err := plugin.Parse(p.Source, p.Processor, p.Sink, time.Local)
	if err != nil {
		return "invalid:" + p.Name
	}
	return d.sinks.Key(spec.Sink)
}

func (d *DataNode) showPipePlugins() *model.Result {
	var rows [][]string
	for _, info := range plugin.Builtins() {
		rows = append(rows, []string{info.Name, info.Type, info.ClassName, info.PluginJar})
	}
	return textResult([]string{"PluginName", "PluginType", "ClassName", "PluginJar"}, rows)
}

// sinkConfig derives sink settings from the node's.
func (d *DataNode) sinkConfig() sink.Config {
	return sink.Config{ClusterID: d.meta.ClusterID(), SenderVersion: d.cfg.Version,
		Timeout: d.cfg.PipeSinkTimeout, MaxClients: d.cfg.PipeSinkMaxClients, Selectors: d.cfg.PipeSinkSelectors}
}

// pipeStatistics returns every pipe's cluster-wide figures after sending
// this node's latest report, so that its own tasks are counted fresh.
func (d *DataNode) pipeStatistics(ctx context.Context) ([]confignode.PipeStats, error) {
	if _, err := d.meta.Heartbeat(ctx, d.cfg.NodeID, d.ledRegions(), d.pipes.Report()); err != nil {
		return nil, err
	}
	return d.meta.PipeStatistics(ctx)
}

// formatSeconds renders an estimate as SHOW PIPES prints it: "Unknown"
// when negative (no rate to divide by).
func formatSeconds(seconds float64) string {
	if seconds < 0 {
		return "Unknown"
	}
	return fmt.Sprintf("%.2f", seconds)
}
