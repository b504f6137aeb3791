package region

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"

	"github.com/sluicedb/sluice/consensus"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/storage"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/hashicorp/raft.(*InmemTransport).Close"))
}

// replica is one member of a test region group.
type replica struct {
	id    string
	dir   string
	trans *raft.InmemTransport
	eng   *storage.Engine
	fsm   *FSM
	g     *consensus.Group
}

// regionCluster is a region group of in-process replicas on raft's
// in-memory transport, each with its own storage engine.
type regionCluster struct {
	t     *testing.T
	nodes []*replica
	peers []raft.Server
}

func newRegionCluster(t *testing.T, n int) *regionCluster {
	t.Helper()
	c := &regionCluster{t: t}
	for i := range n {
		id := fmt.Sprintf("dn%d", i)
		c.nodes = append(c.nodes, &replica{id: id, dir: t.TempDir()})
		c.peers = append(c.peers, raft.Server{Suffrage: raft.Voter, ID: raft.ServerID(id), Address: raft.ServerAddress(id)})
	}
	for i := range c.nodes {
		c.start(i)
	}
	t.Cleanup(func() {
		for i := range c.nodes {
			c.stop(i)
		}
	})
	return c
}

// start opens replica i's engine, state machine and group, connected to
// every other running replica.
func (c *regionCluster) start(i int) {
	c.t.Helper()
	n := c.nodes[i]
	eng, err := storage.Open(storage.Config{Dir: filepath.Join(n.dir, "storage")}, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
	if err != nil {
		c.t.Fatal(err)
	}
	st, err := eng.Region(1)
	if err != nil {
		c.t.Fatal(err)
	}
	fsm, err := NewFSM(1, st, slog.New(slog.DiscardHandler))
	if err != nil {
		c.t.Fatal(err)
	}
	_, n.trans = raft.NewInmemTransport(raft.ServerAddress(n.id))
	n.eng, n.fsm = eng, fsm
	c.connect(i)
	n.g, err = consensus.Open(consensus.Config{
		Name: "region-1", ID: n.id, Dir: filepath.Join(n.dir, "raft"), Transport: n.trans, Peers: c.peers,
		Timeout: 100 * time.Millisecond, SnapshotThreshold: 1 << 30, TrailingLogs: 2, LogCacheSize: 4,
	}, fsm, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		c.t.Fatal(err)
	}
}

// stop closes replica i's group and engine; it is idempotent.
func (c *regionCluster) stop(i int) {
	n := c.nodes[i]
	if n.g == nil {
		return
	}
	c.disconnect(i)
	if err := n.g.Close(); err != nil {
		c.t.Errorf("close group %s: %v", n.id, err)
	}
	if err := n.eng.Close(); err != nil {
		c.t.Errorf("close engine %s: %v", n.id, err)
	}
	n.g, n.eng, n.trans = nil, nil, nil
}

func (c *regionCluster) connect(i int) {
	n := c.nodes[i]
	for j, o := range c.nodes {
		if j != i && o.trans != nil {
			n.trans.Connect(raft.ServerAddress(o.id), o.trans)
			o.trans.Connect(raft.ServerAddress(n.id), n.trans)
		}
	}
}

func (c *regionCluster) disconnect(i int) {
	n := c.nodes[i]
	n.trans.DisconnectAll()
	for j, o := range c.nodes {
		if j != i && o.trans != nil {
			o.trans.Disconnect(raft.ServerAddress(n.id))
		}
	}
}

// leader waits for a leader among the running replicas.
func (c *regionCluster) leader() *replica {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, n := range c.nodes {
			if n.g != nil && n.g.IsLeader() {
				return n
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.t.Fatal("no leader")
	return nil
}

// apply replicates cmd through the leader; business errors are returned.
func (c *regionCluster) apply(cmd []byte) error {
	c.t.Helper()
	for range 50 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := c.leader().g.Apply(ctx, cmd)
		cancel()
		if !errors.Is(err, consensus.ErrNotLeader) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.t.Fatal("no leader accepted the command")
	return nil
}

func (c *regionCluster) mustApply(cmd []byte) {
	c.t.Helper()
	if err := c.apply(cmd); err != nil {
		c.t.Fatal(err)
	}
}

// converge waits until every running replica has applied what the leader
// has, then compares their contents with the leader's.
func (c *regionCluster) converge() {
	c.t.Helper()
	l := c.leader()
	if err := l.g.Barrier(context.Background()); err != nil {
		c.t.Fatal(err)
	}
	target := l.fsm.AppliedIndex()
	want := contents(c.t, l.fsm)
	for _, n := range c.nodes {
		if n.g == nil || n == l {
			continue
		}
		// Replication to a follower that was cut off backs off for up to 10s.
		deadline := time.Now().Add(30 * time.Second)
		for n.fsm.AppliedIndex() < target {
			if time.Now().After(deadline) {
				c.t.Fatalf("%s applied %d, leader %s %d", n.id, n.fsm.AppliedIndex(), l.id, target)
			}
			time.Sleep(10 * time.Millisecond)
		}
		if got := contents(c.t, n.fsm); !reflect.DeepEqual(got, want) {
			c.t.Fatalf("%s differs from leader %s\ngot  %v\nwant %v", n.id, l.id, got, want)
		}
	}
}

// contents is a replica's schema (with storage ids) and points.
func contents(t *testing.T, f *FSM) map[string]string {
	t.Helper()
	out := make(map[string]string)
	v := f.View()
	defer v.Close()
	for _, e := range f.Match(model.Path{"root", "**"}) {
		it := v.Scan(e.ID, e.Type, -1<<63, 1<<63-1)
		var pts []string
		for {
			times, col, err := it.Next(1000)
			if err != nil {
				t.Fatal(err)
			}
			if len(times) == 0 {
				break
			}
			for i, ts := range times {
				pts = append(pts, fmt.Sprintf("%d=%v", ts, col.Value(i)))
			}
		}
		it.Close()
		out[fmt.Sprintf("%s#%d:%s", e.Path, e.ID, e.Type)] = fmt.Sprint(pts)
	}
	return out
}

// writeCmd writes n points at times from t0 to device d, series s (int64)
// and s_txt (text), auto-creating them.
func writeCmd(d string, t0 int64, n int) []byte {
	tb := &model.Tablet{Device: model.Path{"root", "sg", d}, Measurements: []string{"s", "s_txt"}}
	ints := model.Column{Type: model.Int64}
	texts := model.Column{Type: model.Text}
	for i := range int64(n) {
		tb.Times = append(tb.Times, t0+i)
		ints.Int64s = append(ints.Int64s, (t0+i)*7)
		texts.Texts = append(texts.Texts, fmt.Sprintf("v%d", t0+i))
	}
	tb.Columns = []model.Column{ints, texts}
	return WriteCommand([]*model.Tablet{tb}, WriteOptions{Database: "root.sg", AutoCreate: true})
}

func sgPath(s ...string) model.Path { return append(model.Path{"root", "sg"}, s...) }

// TestFollowerInstallsDataSnapshot cuts a follower off while the leader
// moves on, changes the schema, snapshots and truncates its log: on
// reconnecting the follower can only catch up by installing the region's
// data, and must end up identical, series ids included.
func TestFollowerInstallsDataSnapshot(t *testing.T) {
	c := newRegionCluster(t, 3)
	for i := range 10 {
		c.mustApply(writeCmd(fmt.Sprintf("d%d", i%3), int64(i*100), 50))
	}
	c.converge()

	leader := c.leader()
	var fi int
	for i, n := range c.nodes {
		if n != leader {
			fi = i
			break
		}
	}
	follower := c.nodes[fi]
	c.disconnect(fi)

	// Flushed data (the snapshot flushes), unflushed data, deletions, and a
	// series dropped and created again with another type: entries that
	// would act differently if re-run against the installed state.
	for i := range 10 {
		c.mustApply(writeCmd(fmt.Sprintf("d%d", i%4), int64(1000+i*100), 80))
	}
	c.mustApply(DeleteDataCommand([]model.Path{sgPath("d1", "s")}, 1000, 1300))
	c.mustApply(DeleteSeriesCommand([]model.Path{sgPath("d2", "s")}))
	c.mustApply(CreateSeriesCommand([]model.Series{{Path: sgPath("d2", "s"), Type: model.Double, Database: "root.sg"}}))
	if err := c.apply(CreateSeriesCommand([]model.Series{{Path: sgPath("d2", "s"), Type: model.Double, Database: "root.sg"}})); err == nil {
		t.Fatal("second creation of d2.s accepted")
	}
	c.mustApply(WriteCommand([]*model.Tablet{{Device: sgPath("d2"), Measurements: []string{"s"}, Times: []int64{5, 6},
		Columns: []model.Column{{Type: model.Double, Float64s: []float64{0.5, 0.6}}}}}, WriteOptions{Database: "root.sg"}))
	if err := leader.g.Snapshot(); err != nil {
		t.Fatal(err)
	}
	c.mustApply(writeCmd("d9", 0, 10))
	if err := leader.g.Snapshot(); err != nil {
		t.Fatal(err)
	}
	// Past the snapshot: the installed data reaches further than the index
	// Raft knows the snapshot by, and Raft replays these entries on top of
	// it. Re-running them would drop the new d0.s_txt and write into a
	// fresh, different series.
	c.mustApply(writeCmd("d0", 5000, 10))
	c.mustApply(DeleteSeriesCommand([]model.Path{sgPath("d0", "s_txt")}))
	c.mustApply(CreateSeriesCommand([]model.Series{{Path: sgPath("d0", "s_txt"), Type: model.Int32, Database: "root.sg"}}))
	c.mustApply(WriteCommand([]*model.Tablet{{Device: sgPath("d0"), Measurements: []string{"s_txt"}, Times: []int64{1, 2},
		Columns: []model.Column{{Type: model.Int32, Int32s: []int32{10, 20}}}}}, WriteOptions{Database: "root.sg"}))
	c.mustApply(writeCmd("d3", 9000, 10))

	first, err := c.leader().g.Logs().FirstIndex()
	if err != nil || first <= follower.g.Raft().LastIndex()+1 {
		t.Fatalf("leader's log starts at %d (%v), the follower's ends at %d: no snapshot needed",
			first, err, follower.g.Raft().LastIndex())
	}
	c.connect(fi)
	c.converge()
	if got := follower.fsm.imports.Load(); got != 1 {
		t.Fatalf("follower installed %d data snapshots, want 1", got)
	}

	// The group goes on normally, and the follower that installed the data
	// restarts from the stream it stored, without installing it again.
	c.mustApply(writeCmd("d1", 20000, 30))
	c.converge()
	c.stop(fi)
	c.mustApply(writeCmd("d1", 30000, 30))
	c.start(fi)
	c.converge()
	if got := follower.fsm.imports.Load(); got != 0 {
		t.Fatalf("restarted follower installed %d data snapshots, want none", got)
	}
}

// TestRestartRestoresFromMarker restarts a replica whose latest snapshot is
// its own marker: it restores without importing, and replays the rest.
func TestRestartRestoresFromMarker(t *testing.T) {
	c := newRegionCluster(t, 3)
	for i := range 5 {
		c.mustApply(writeCmd("d", int64(i*100), 20))
	}
	leader := c.leader()
	if err := leader.g.Snapshot(); err != nil {
		t.Fatal(err)
	}
	c.mustApply(writeCmd("e", 0, 20))
	c.converge()

	li := 0
	for i, n := range c.nodes {
		if n == leader {
			li = i
		}
	}
	c.stop(li)
	c.mustApply(writeCmd("e", 100, 20)) // the other two elect a leader
	c.start(li)
	c.converge()
	if got := c.nodes[li].fsm.imports.Load(); got != 0 {
		t.Fatalf("restarted replica installed %d data snapshots, want none", got)
	}
}

func TestRestoreRefusesGarbage(t *testing.T) {
	f, eng, _ := openFSM(t, t.TempDir())
	defer eng.Close()
	good := snapshotHeader{kind: snapshotData, region: 1, index: 5}.encode()
	otherRegion := snapshotHeader{kind: snapshotData, region: 2, index: 5}.encode()
	corrupt := bytes.Clone(good)
	corrupt[7] ^= 1
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"short", good[:10]},
		{"old JSON marker", []byte(`{"region":1,"index":5}`)},
		{"bad checksum", corrupt},
		{"other region", otherRegion},
		{"header without data", good},
		{"bad data", append(bytes.Clone(good), "SLRX garbage"...)},
		{"marker beyond local data", snapshotHeader{kind: consensus.SnapshotMarker, region: 1, index: 5}.encode()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := f.Restore(io.NopCloser(bytes.NewReader(tt.in))); err == nil {
				t.Fatal("Restore accepted it")
			}
		})
	}
	if _, _, err := f.OpenSnapshot(bytes.NewReader(good)); err == nil {
		t.Fatal("OpenSnapshot accepted a data stream as marker")
	}
}

// TestSnapshotStreamRoundTrip opens the data stream of a marker, checks its
// size, and restores it into a fresh replica.
func TestSnapshotStreamRoundTrip(t *testing.T) {
	src, srcEng, _ := openFSM(t, t.TempDir())
	defer srcEng.Close()
	for i := uint64(1); i <= 3; i++ {
		if resp := src.Apply(writeEntry(i, int64(i))); resp != nil {
			t.Fatal(resp)
		}
	}
	snap, err := src.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	sink := &memSink{}
	if err := snap.Persist(sink); err != nil {
		t.Fatal(err)
	}
	if sink.Bytes()[0] != consensus.SnapshotMarker {
		t.Fatalf("marker starts with %q", sink.Bytes()[0])
	}
	if resp := src.Apply(writeEntry(4, 4)); resp != nil { // past the marker
		t.Fatal(resp)
	}
	size, rc, err := src.OpenSnapshot(bytes.NewReader(sink.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	stream, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || int64(len(stream)) != size {
		t.Fatalf("stream of %d bytes (err %v), size %d", len(stream), err, size)
	}

	dst, dstEng, _ := openFSM(t, t.TempDir())
	defer dstEng.Close()
	if err := dst.Restore(io.NopCloser(bytes.NewReader(stream))); err != nil {
		t.Fatal(err)
	}
	if dst.AppliedIndex() != 4 || dst.imports.Load() != 1 {
		t.Fatalf("restored at %d with %d imports", dst.AppliedIndex(), dst.imports.Load())
	}
	if got, want := contents(t, dst), contents(t, src); !reflect.DeepEqual(got, want) {
		t.Fatalf("restored %v, want %v", got, want)
	}
	// Raft replays from its snapshot index: entries up to 4 are skipped,
	// 5 applies.
	for i := uint64(1); i <= 5; i++ {
		if resp := dst.Apply(writeEntry(i, int64(i))); resp != nil {
			t.Fatal(resp)
		}
	}
	if resp := src.Apply(writeEntry(5, 5)); resp != nil {
		t.Fatal(resp)
	}
	if got, want := contents(t, dst), contents(t, src); !reflect.DeepEqual(got, want) {
		t.Fatalf("after replay %v, want %v", got, want)
	}
	// The same stream again changes nothing.
	if err := dst.Restore(io.NopCloser(bytes.NewReader(stream))); err != nil || dst.imports.Load() != 1 {
		t.Fatalf("restore of an applied stream: %v, %d imports", err, dst.imports.Load())
	}

	// A failed install leaves the region empty and refusing entries until
	// an install succeeds.
	lost, lostEng, _ := openFSM(t, t.TempDir())
	defer lostEng.Close()
	if resp := lost.Apply(writeEntry(1, 100)); resp != nil {
		t.Fatal(resp)
	}
	bad := bytes.Clone(stream)
	bad[len(bad)-1] ^= 1
	if err := lost.Restore(io.NopCloser(bytes.NewReader(bad))); !errors.Is(err, storage.ErrBadExport) {
		t.Fatalf("corrupt stream: %v", err)
	}
	if got := lost.Match(model.Path{"root", "**"}); len(got) != 0 || lost.AppliedIndex() != 0 {
		t.Fatalf("after a failed install: schema %v, applied %d", got, lost.AppliedIndex())
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("entry applied after a failed install")
			}
		}()
		lost.Apply(writeEntry(6, 6))
	}()
	if _, err := lost.Snapshot(); err == nil {
		t.Fatal("snapshot of a lost region")
	}
	if err := lost.Restore(io.NopCloser(bytes.NewReader(stream))); err != nil {
		t.Fatalf("install after a failure: %v", err)
	}
	if resp := lost.Apply(writeEntry(5, 5)); resp != nil {
		t.Fatal(resp)
	}
	if got, want := contents(t, lost), contents(t, src); !reflect.DeepEqual(got, want) {
		t.Fatalf("after reinstall %v, want %v", got, want)
	}
}

// memSink is a raft.SnapshotSink in memory.
type memSink struct{ bytes.Buffer }

func (*memSink) ID() string    { return "mem" }
func (*memSink) Cancel() error { return nil }
func (*memSink) Close() error  { return nil }
