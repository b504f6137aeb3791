package e2e

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/sluicedb/sluice/test/netfault"
	"github.com/sluicedb/sluice/test/proc"
	"github.com/sluicedb/sluice/test/validator"
)

// The chaos test's faults (chaos_test.go). Each fault is injected and
// healed before the next: at most one sender DataNode is down at a time,
// except in the full restart of the sender, so that RF=3 keeps every
// data region's quorum.

// chaosKind names a kind of fault.
type chaosKind string

const (
	faultDNKill        chaosKind = "dn-kill9"        // kill -9 of a sender DataNode leading a region, then restart
	faultCNLeaderKill  chaosKind = "cn-leader-kill9" // kill -9 of the ConfigNode leader, then restart
	faultCNKill        chaosKind = "cn-kill9"        // kill -9 of a ConfigNode that does not lead, then restart
	faultRecvKill      chaosKind = "recv-kill9"      // kill -9 of the receiver, then restart
	faultDNPause       chaosKind = "dn-pause"        // SIGSTOP, then SIGCONT, of a sender DataNode
	faultRecvPause     chaosKind = "recv-pause"      // SIGSTOP, then SIGCONT, of the receiver
	faultNetCut        chaosKind = "net-cut"         // the sink-receiver link resets and refuses
	faultNetBlackhole  chaosKind = "net-blackhole"   // the sink-receiver link drops everything
	faultRolling       chaosKind = "dn-rolling"      // SIGTERM and restart of each DataNode in turn
	faultSenderRestart chaosKind = "sender-restart"  // kill -9 of all six sender nodes, then restart
	faultRecvRestart   chaosKind = "recv-restart"    // SIGTERM and restart of the receiver

	// Two faults at once: the pipe's tasks must resume from their
	// committed progress with events that never reached the receiver.
	faultCutLeaderKill  chaosKind = "net-cut+leader-kill9"    // a region leader killed while the link is cut
	faultRecvLeaderKill chaosKind = "recv-kill9+leader-kill9" // the receiver and a region leader killed together
	faultCutSender      chaosKind = "net-cut+sender-restart"  // the whole sender killed while the link is cut
)

// chaosKinds lists every kind, in the order the report gives them.
var chaosKinds = []chaosKind{
	faultDNKill, faultCNLeaderKill, faultCNKill, faultRecvKill, faultDNPause, faultRecvPause,
	faultNetCut, faultNetBlackhole, faultRolling, faultSenderRestart, faultRecvRestart,
	faultCutLeaderKill, faultRecvLeaderKill, faultCutSender,
}

// chaosEnv is what the faults act on.
type chaosEnv struct {
	t     *testing.T
	rec   *validator.Recorder // the load's writes
	rng   *rand.Rand
	cl    *proc.Cluster
	recv  *proc.Standalone
	meter *recvMeter
	proxy *netfault.Proxy
	// maxDown bounds how long a killed node stays down.
	maxDown time.Duration
}

// chaosDeck deals fault kinds: every kind once in a random order, then
// again in another, so that a short run meets most kinds and a long one
// meets them all about equally often.
type chaosDeck struct {
	rng   *rand.Rand
	kinds []chaosKind
	left  []chaosKind
}

func (d *chaosDeck) next() chaosKind {
	if len(d.left) == 0 {
		d.left = append([]chaosKind(nil), d.kinds...)
		d.rng.Shuffle(len(d.left), func(i, j int) { d.left[i], d.left[j] = d.left[j], d.left[i] })
	}
	k := d.left[0]
	d.left = d.left[1:]
	return k
}

// between returns a random duration in [lo, hi).
func (e *chaosEnv) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(e.rng.Int64N(int64(hi-lo)))
}

// inject runs one fault of kind k, from injection to healing, and
// returns what it acted on and when the last node came back (or the
// link was restored).
func (e *chaosEnv) inject(k chaosKind) (target string, healed time.Time) {
	t := e.t
	t.Helper()
	down := e.between(time.Second, e.maxDown)
	switch k {
	case faultDNKill:
		n := e.regionLeader()
		n.Kill()
		time.Sleep(down)
		n.Start()
		return fmt.Sprintf("%s down %s", n.Name, down.Round(time.Millisecond)), time.Now()
	case faultCutLeaderKill:
		e.proxy.Cut()
		time.Sleep(e.between(500*time.Millisecond, 2*time.Second))
		n := e.regionLeader()
		n.Kill()
		time.Sleep(down)
		n.Start()
		time.Sleep(e.between(0, 2*time.Second))
		e.proxy.Restore()
		return fmt.Sprintf("%s down %s", n.Name, down.Round(time.Millisecond)), time.Now()
	case faultRecvLeaderKill:
		n := e.regionLeader()
		_, _ = e.meter.poll()
		e.recv.Kill()
		e.meter.endRun()
		n.Kill()
		time.Sleep(down)
		n.Start()
		e.recv.Start()
		return fmt.Sprintf("receiver and %s down %s", n.Name, down.Round(time.Millisecond)), time.Now()
	case faultCutSender:
		e.proxy.Cut()
		time.Sleep(e.between(500*time.Millisecond, 2*time.Second))
		e.cl.KillAll()
		time.Sleep(down)
		proc.StartAll(e.cl.ConfigNodes...)
		proc.StartAll(e.cl.DataNodes...)
		time.Sleep(e.between(0, 2*time.Second))
		e.proxy.Restore()
		return fmt.Sprintf("all six down %s", down.Round(time.Millisecond)), time.Now()
	case faultCNLeaderKill, faultCNKill:
		n, leads := e.configNode(k == faultCNLeaderKill)
		n.Kill()
		time.Sleep(down)
		n.Start()
		return fmt.Sprintf("%s (leader: %v) down %s", n.Name, leads, down.Round(time.Millisecond)), time.Now()
	case faultRecvKill:
		_, _ = e.meter.poll()
		e.recv.Kill()
		e.meter.endRun()
		time.Sleep(down)
		e.recv.Start()
		return fmt.Sprintf("receiver down %s", down.Round(time.Millisecond)), time.Now()
	case faultRecvRestart:
		_, _ = e.meter.poll()
		e.recv.Stop()
		e.meter.endRun()
		e.recv.Start()
		return "receiver", time.Now()
	case faultDNPause:
		n := e.cl.DataNodes[e.rng.IntN(len(e.cl.DataNodes))]
		d := e.between(2*time.Second, 5*time.Second)
		n.Pause()
		time.Sleep(d)
		n.Resume()
		return fmt.Sprintf("%s paused %s", n.Name, d.Round(time.Millisecond)), time.Now()
	case faultRecvPause:
		d := e.between(2*time.Second, 5*time.Second)
		e.signalRecv(syscall.SIGSTOP)
		time.Sleep(d)
		e.signalRecv(syscall.SIGCONT)
		return fmt.Sprintf("receiver paused %s", d.Round(time.Millisecond)), time.Now()
	case faultNetCut, faultNetBlackhole:
		d := e.between(2*time.Second, 6*time.Second)
		if k == faultNetCut {
			e.proxy.Cut()
		} else {
			e.proxy.Blackhole()
		}
		time.Sleep(d)
		e.proxy.Restore()
		return fmt.Sprintf("link down %s", d.Round(time.Millisecond)), time.Now()
	case faultRolling:
		for _, n := range e.cl.DataNodes {
			n.Stop()
			n.Start()
			time.Sleep(time.Second)
		}
		return "datanode-1..3", time.Now()
	case faultSenderRestart:
		e.cl.KillAll()
		time.Sleep(down)
		proc.StartAll(e.cl.ConfigNodes...)
		proc.StartAll(e.cl.DataNodes...)
		return fmt.Sprintf("all six down %s", down.Round(time.Millisecond)), time.Now()
	}
	panic("BUG: unknown fault kind " + string(k))
}

// configNode picks the ConfigNode leader (leader true) or another
// ConfigNode, as SHOW CONFIGNODES through a DataNode tells; when no
// DataNode can tell, any ConfigNode. It reports whether the pick is known
// to lead.
func (e *chaosEnv) configNode(leader bool) (*proc.Node, bool) {
	id := ""
	for _, dn := range e.cl.DataNodes {
		if id = e.leaderID(dn); id != "" {
			break
		}
	}
	var lead *proc.Node
	var others []*proc.Node
	for _, n := range e.cl.ConfigNodes {
		if id != "" && e.nodeID(n) == id {
			lead = n
		} else {
			others = append(others, n)
		}
	}
	if leader && lead != nil {
		return lead, true
	}
	// A follower; when the leader is unknown, any ConfigNode, which may
	// lead.
	return others[e.rng.IntN(len(others))], false
}

// regionLeader picks a DataNode that leads a data region, and so runs a
// task of the pipe, as SHOW REGIONS through a DataNode tells; when none
// can tell, any DataNode.
func (e *chaosEnv) regionLeader() *proc.Node {
	for _, dn := range e.cl.DataNodes {
		regions, err := chaosShow(dn.Addr(), "SHOW REGIONS")
		if err != nil {
			continue
		}
		nodes, err := chaosShow(dn.Addr(), "SHOW CLUSTER")
		if err != nil {
			continue
		}
		var leaders []*proc.Node
		for _, r := range regions {
			if r["Type"] != "DataRegion" || r["Role"] != "Leader" {
				continue
			}
			for _, n := range e.cl.DataNodes {
				if row := nodeRow(nodes, n); row != nil && row["NodeID"] == r["DataNodeId"] {
					leaders = append(leaders, n)
				}
			}
		}
		if len(leaders) > 0 {
			return leaders[e.rng.IntN(len(leaders))]
		}
	}
	return e.cl.DataNodes[e.rng.IntN(len(e.cl.DataNodes))]
}

// leaderID is the NodeID of the ConfigNode leader as DataNode dn shows it,
// "" if it cannot tell.
func (e *chaosEnv) leaderID(dn *proc.Node) string {
	rows, err := chaosShow(dn.Addr(), "SHOW CONFIGNODES")
	if err != nil {
		return ""
	}
	var ids []string
	for _, r := range rows {
		if r["Role"] == "Leader" {
			ids = append(ids, r["NodeID"])
		}
	}
	if len(ids) != 1 {
		return ""
	}
	return ids[0]
}

// nodeID is n's NodeID as SHOW CLUSTER through a running DataNode shows
// it, "" if none can tell.
func (e *chaosEnv) nodeID(n *proc.Node) string {
	for _, dn := range e.cl.DataNodes {
		rows, err := chaosShow(dn.Addr(), "SHOW CLUSTER")
		if err != nil {
			continue
		}
		if row := nodeRow(rows, n); row != nil {
			return row["NodeID"]
		}
	}
	return ""
}

// signalRecv sends sig to the receiver's process.
func (e *chaosEnv) signalRecv(sig syscall.Signal) {
	e.t.Helper()
	if err := syscall.Kill(e.recv.Pid(), sig); err != nil {
		e.t.Fatalf("%v to the receiver: %v", sig, err)
	}
}
