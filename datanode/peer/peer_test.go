package peer

import (
	"context"
	"errors"
	"io"
	"math"
	"net"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/sluicedb/sluice/consensus"
	"github.com/sluicedb/sluice/datanode/region"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/proto/clusterpb"
	"github.com/sluicedb/sluice/query"
	"github.com/sluicedb/sluice/status"
)

// allTypes is a tablet with a column of every type, nulls included, on a
// device whose nodes need back-quotes.
func allTypes() *model.Tablet {
	return &model.Tablet{
		Device:       model.Path{"root", "sg", "d.1", "12"},
		Measurements: []string{"b", "i`32", "l", "f", "d", "t x"},
		Times:        []int64{-5, 1, 2, 1700000000000},
		Columns: []model.Column{
			{Type: model.Boolean, Bools: []bool{true, false, false, true}, Nulls: []bool{false, false, true, false}},
			{Type: model.Int32, Int32s: []int32{math.MinInt32, 0, 7, math.MaxInt32}, Nulls: []bool{false, true, false, false}},
			{Type: model.Int64, Int64s: []int64{math.MinInt64, -1, 1 << 40, math.MaxInt64}},
			{Type: model.Float, Float32s: []float32{1.5, float32(math.Inf(-1)), -2.25, 3.4e38}},
			{Type: model.Double, Float64s: []float64{math.SmallestNonzeroFloat64, -0.5, 0, 1e300}, Nulls: []bool{false, false, false, true}},
			{Type: model.Text, Texts: []string{"héllo", "", "a\x00b", "last"}, Nulls: []bool{false, false, false, false}},
		},
	}
}

type point struct {
	t int64
	v any
}

func drain(t *testing.T, it query.SeriesIterator, max int) []point {
	t.Helper()
	defer it.Close()
	var out []point
	for {
		times, col, err := it.Next(max)
		if err != nil {
			t.Fatal(err)
		}
		if len(times) == 0 {
			return out
		}
		if max > 0 && len(times) > max {
			t.Fatalf("Next(%d) returned %d points", max, len(times))
		}
		for i, ts := range times {
			out = append(out, point{ts, col.Value(i)})
		}
	}
}

// TestRemoteWriteThenRead proposes a write through the client and reads it
// back through every read call: each answer equals what the region gives
// locally, with values of the series' own Go type.
func TestRemoteWriteThenRead(t *testing.T) {
	n, r := startRegion(t, ServerConfig{})
	ctx := ctxT(t)
	tab := allTypes()
	if err := n.client.Propose(ctx, n.addr, 1, write(tab), false); err != nil {
		t.Fatal(err)
	}

	series, err := n.client.MatchSeries(ctx, n.addr, 1, model.Path{"root", "sg", "**"})
	if err != nil {
		t.Fatal(err)
	}
	var want []model.Series
	for _, e := range r.fsm.Match(model.Path{"root", "sg", "**"}) {
		want = append(want, e.Series)
	}
	if len(series) != len(tab.Measurements) || !reflect.DeepEqual(series, want) {
		t.Fatalf("MatchSeries = %+v\nwant %+v", series, want)
	}

	for _, s := range series {
		t.Run(s.Type.String(), func(t *testing.T) {
			col := tab.Columns[indexOf(tab.Measurements, s.Measurement())]
			var wantPoints []point
			for i, ts := range tab.Times {
				if !col.IsNull(i) {
					wantPoints = append(wantPoints, point{ts, col.Value(i)})
				}
			}
			it, err := n.client.Scan(ctx, n.addr, 1, s, math.MinInt64, math.MaxInt64)
			if err != nil {
				t.Fatal(err)
			}
			if got := drain(t, it, 2); !reflect.DeepEqual(got, wantPoints) {
				t.Fatalf("Scan = %v, want %v", got, wantPoints)
			}

			e, _ := r.fsm.Entry(s.Path)
			v := r.fsm.View()
			defer v.Close()
			local, err := v.Stats(e.ID, e.Type, 0, math.MaxInt64)
			if err != nil {
				t.Fatal(err)
			}
			stats, err := n.client.Stats(ctx, n.addr, 1, s, 0, math.MaxInt64)
			if err != nil {
				t.Fatal(err)
			}
			wantStats := query.Stats{Count: local.Count, Sum: local.Sum, Min: local.Min, Max: local.Max,
				FirstTime: local.FirstTime, LastTime: local.LastTime, First: local.FirstValue, Last: local.LastValue}
			if stats.Count == 0 || !reflect.DeepEqual(stats, wantStats) {
				t.Fatalf("Stats = %+v, want %+v", stats, wantStats)
			}
			if reflect.TypeOf(stats.First) != reflect.TypeOf(col.Value(0)) {
				t.Fatalf("Stats.First is a %T, want %T", stats.First, col.Value(0))
			}

			ts, val, ok, err := n.client.Last(ctx, n.addr, 1, s)
			last := wantPoints[len(wantPoints)-1]
			if err != nil || !ok || ts != last.t || !reflect.DeepEqual(val, last.v) {
				t.Fatalf("Last = %d %#v %v %v, want %d %#v", ts, val, ok, err, last.t, last.v)
			}
		})
	}

	t.Run("absent series", func(t *testing.T) {
		s := model.Series{Path: model.Path{"root", "sg", "nope", "s"}, Type: model.Int64}
		it, err := n.client.Scan(ctx, n.addr, 1, s, math.MinInt64, math.MaxInt64)
		if err != nil {
			t.Fatal(err)
		}
		if got := drain(t, it, 0); len(got) != 0 {
			t.Fatalf("Scan = %v", got)
		}
		if st, err := n.client.Stats(ctx, n.addr, 1, s, math.MinInt64, math.MaxInt64); err != nil || !reflect.DeepEqual(st, query.Stats{}) {
			t.Fatalf("Stats = %+v, %v", st, err)
		}
		if _, _, ok, err := n.client.Last(ctx, n.addr, 1, s); ok || err != nil {
			t.Fatalf("Last found %v, %v", ok, err)
		}
	})
}

func indexOf(ss []string, s string) int {
	for i, x := range ss {
		if x == s {
			return i
		}
	}
	panic("BUG: no " + s)
}

func oneInt64(device, m string, ts int64) *model.Tablet {
	return &model.Tablet{Device: model.Path{"root", "sg", device}, Measurements: []string{m}, Times: []int64{ts},
		Columns: []model.Column{{Type: model.Int64, Int64s: []int64{ts}}}}
}

// TestProposeRefusals checks that check_only validates a write as applying
// it would, without committing anything, and that a refused proposal comes
// back with the region's IoTDB status.
func TestProposeRefusals(t *testing.T) {
	n, r := startRegion(t, ServerConfig{})
	ctx := ctxT(t)
	if err := n.client.Propose(ctx, n.addr, 1, write(oneInt64("d", "s", 1)), false); err != nil {
		t.Fatal(err)
	}
	mistyped := &model.Tablet{Device: model.Path{"root", "sg", "d"}, Measurements: []string{"s"}, Times: []int64{2},
		Columns: []model.Column{{Type: model.Double, Float64s: []float64{2}}}}
	aligned := oneInt64("d", "s", 3)
	aligned.Aligned = true
	manual := region.WriteCommand([]*model.Tablet{oneInt64("d", "new", 4)}, region.WriteOptions{Database: "root.sg"})

	tests := []struct {
		name      string
		cmd       []byte
		checkOnly bool
		want      status.Code
	}{
		{"check type conflict", write(mistyped), true, status.DataTypeMismatch},
		{"check alignment conflict", write(aligned), true, status.AlignedTimeseriesError},
		{"check missing series without auto-create", manual, true, status.PathNotExist},
		{"check accepts a new series with auto-create", write(oneInt64("e", "x", 5)), true, status.Success},
		{"check of a non-write command", region.DeleteSeriesCommand([]model.Path{{"root", "sg", "d", "s"}}), true, status.IllegalParameter},
		{"check of a corrupt command", write(mistyped)[:9], true, status.IllegalParameter},
		{"commit type conflict", write(mistyped), false, status.DataTypeMismatch},
		{"commit missing series without auto-create", manual, false, status.PathNotExist},
		{"commit of a corrupt command", write(mistyped)[:9], false, status.IllegalParameter},
		{"commit of an unknown command", []byte{99, 1, 2, 3}, false, status.IllegalParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := r.fsm.AppliedIndex()
			err := n.client.Propose(ctx, n.addr, 1, tt.cmd, tt.checkOnly)
			if got := status.CodeOf(err); got != tt.want {
				t.Fatalf("Propose = %v (code %d), want code %d", err, got, tt.want)
			}
			if tt.want != status.Success || tt.checkOnly {
				if r.fsm.AppliedIndex() != before {
					t.Fatalf("a refused or check-only proposal moved the applied index from %d to %d", before, r.fsm.AppliedIndex())
				}
			}
		})
	}
	got, err := n.client.MatchSeries(ctx, n.addr, 1, model.Path{"root", "**"})
	if err != nil || len(got) != 1 || got[0].Type != model.Int64 {
		t.Fatalf("after refusals the region holds %+v, %v; want root.sg.d.s INT64 only", got, err)
	}
}

// TestNotLeader checks that a replica that does not lead the region
// refuses writes and reads, naming the leader it knows of when it can.
func TestNotLeader(t *testing.T) {
	r := openReplica(t, 1)
	n := startNode(t, &host{replicas: map[uint32]*replica{1: r}, hint: 7}, ServerConfig{})
	ctx := ctxT(t)
	s := model.Series{Path: model.Path{"root", "sg", "d", "s"}, Type: model.Int64}
	checkRegion := func(t *testing.T, err error, region, hint uint32) {
		t.Helper()
		var nl *NotLeaderError
		if !errors.As(err, &nl) || nl.Region != region || nl.Hint != hint || !errors.Is(err, consensus.ErrNotLeader) {
			t.Fatalf("err = %#v, want NotLeaderError{%d, %d}", err, region, hint)
		}
	}
	check := func(t *testing.T, err error, hint uint32) { t.Helper(); checkRegion(t, err, 1, hint) }
	for _, checkOnly := range []bool{false, true} {
		check(t, n.client.Propose(ctx, n.addr, 1, write(oneInt64("d", "s", 1)), checkOnly), 7)
	}
	if r.fsm.AppliedIndex() > 1 {
		t.Fatalf("a refused proposal was applied (index %d)", r.fsm.AppliedIndex())
	}
	_, err := n.client.MatchSeries(ctx, n.addr, 1, model.Path{"root", "**"})
	check(t, err, 0)
	_, err = n.client.Scan(ctx, n.addr, 1, s, 0, 10)
	check(t, err, 0)
	_, err = n.client.Stats(ctx, n.addr, 1, s, 0, 10)
	check(t, err, 0)
	_, _, _, err = n.client.Last(ctx, n.addr, 1, s)
	check(t, err, 0)
	// A region not hosted here at all: no hint.
	n.host.mu.Lock()
	n.host.hint = 0
	n.host.mu.Unlock()
	checkRegion(t, n.client.Propose(ctx, n.addr, 2, write(oneInt64("d", "s", 1)), false), 2, 0)
}

// TestScanBatches scans more points than one message holds.
func TestScanBatches(t *testing.T) {
	const points = 10000
	n, _ := startRegion(t, ServerConfig{})
	ctx := ctxT(t)
	tab := &model.Tablet{Device: model.Path{"root", "sg", "d"}, Measurements: []string{"s"},
		Columns: []model.Column{{Type: model.Int64}}}
	for i := range int64(points) {
		tab.Times = append(tab.Times, i)
		tab.Columns[0].Int64s = append(tab.Columns[0].Int64s, i*i)
	}
	if err := n.client.Propose(ctx, n.addr, 1, write(tab), false); err != nil {
		t.Fatal(err)
	}
	s := model.Series{Path: model.Path{"root", "sg", "d", "s"}, Type: model.Int64}

	cc, err := grpc.NewClient(n.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	stream, err := clusterpb.NewDataNodeClient(cc).Scan(ctx, &clusterpb.ScanRequest{RegionId: 1, Path: s.Path.String(), Lo: 0, Hi: points})
	if err != nil {
		t.Fatal(err)
	}
	messages := 0
	for {
		_, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		messages++
	}
	if messages != 3 {
		t.Fatalf("%d points came in %d messages, want 3 of up to 4096", points, messages)
	}

	for _, max := range []int{0, 1000, 5000} {
		it, err := n.client.Scan(ctx, n.addr, 1, s, 0, points)
		if err != nil {
			t.Fatal(err)
		}
		got := drain(t, it, max)
		if len(got) != points {
			t.Fatalf("Next(%d): %d points, want %d", max, len(got), points)
		}
		for i, p := range got {
			if p.t != int64(i) || p.v != int64(i*i) {
				t.Fatalf("Next(%d): point %d is %v", max, i, p)
			}
		}
	}

	// A query's pages are read over later client requests: the scan
	// outlives the context it was opened under.
	sctx, cancel := context.WithCancel(ctx)
	it, err := n.client.Scan(sctx, n.addr, 1, s, 0, points)
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	if got := drain(t, it, 1000); len(got) != points {
		t.Fatalf("after its context ended the scan gave %d points, want %d", len(got), points)
	}
}

// TestScanCancelReleasesView stops reading a scan midway by closing the
// iterator: the server ends the stream and releases its read view.
func TestScanCancelReleasesView(t *testing.T) {
	n, _ := startRegion(t, ServerConfig{ScanBatchPoints: 10, TestingKnobs: TestingKnobs{
		AfterScanSend: func(ctx context.Context) { <-ctx.Done() }, // the reader never gets a second batch
	}})
	ctx := ctxT(t)
	tab := &model.Tablet{Device: model.Path{"root", "sg", "d"}, Measurements: []string{"s"},
		Columns: []model.Column{{Type: model.Int32}}}
	for i := range 100 {
		tab.Times = append(tab.Times, int64(i))
		tab.Columns[0].Int32s = append(tab.Columns[0].Int32s, int32(i))
	}
	if err := n.client.Propose(ctx, n.addr, 1, write(tab), false); err != nil {
		t.Fatal(err)
	}
	s := model.Series{Path: model.Path{"root", "sg", "d", "s"}, Type: model.Int32}
	open := func() float64 { return gauge(t, n.reg, "sluice_peer_open_scans") }

	t.Run("close", func(t *testing.T) {
		it, err := n.client.Scan(ctx, n.addr, 1, s, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		times, _, err := it.Next(4)
		if err != nil || len(times) != 4 {
			t.Fatalf("Next = %v, %v", times, err)
		}
		if open() != 1 {
			t.Fatalf("%v scans open mid-scan, want 1", open())
		}
		it.Close()
		eventually(t, "the scan to end", func() bool { return open() == 0 })
	})
}

// TestUnreachable checks that calls to an address that refuses
// connections, or accepts them and never answers, fail with
// ErrUnreachable within the caller's deadline.
func TestUnreachable(t *testing.T) {
	refused, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusedAddr := refused.Addr().String()
	refused.Close()

	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var held []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	defer func() {
		silent.Close()
		wg.Wait()
		for _, c := range held {
			c.Close()
		}
	}()

	c := NewClient(ClientConfig{})
	defer c.Close()
	s := model.Series{Path: model.Path{"root", "sg", "d", "s"}, Type: model.Int64}
	calls := map[string]func(ctx context.Context, addr string) error{
		"Propose": func(ctx context.Context, addr string) error {
			return c.Propose(ctx, addr, 1, write(oneInt64("d", "s", 1)), false)
		},
		"Scan": func(ctx context.Context, addr string) error {
			_, err := c.Scan(ctx, addr, 1, s, 0, 1)
			return err
		},
		"Last": func(ctx context.Context, addr string) error {
			_, _, _, err := c.Last(ctx, addr, 1, s)
			return err
		},
	}
	for _, target := range []struct{ name, addr string }{{"refused", refusedAddr}, {"silent", silent.Addr().String()}} {
		for name, call := range calls {
			t.Run(target.name+"/"+name, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
				defer cancel()
				start := time.Now()
				err := call(ctx, target.addr)
				if !errors.Is(err, ErrUnreachable) {
					t.Fatalf("err = %v, want ErrUnreachable", err)
				}
				if d := time.Since(start); d > 2*time.Second {
					t.Fatalf("took %v", d)
				}
			})
		}
	}
}

// TestClosedClient checks that a closed client refuses calls.
func TestClosedClient(t *testing.T) {
	c := NewClient(ClientConfig{})
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	err := c.Propose(context.Background(), "127.0.0.1:1", 1, nil, false)
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("err = %v, want ErrClosed", err)
	}
}

// TestProposeAdmitWrite: a write the node's admission refuses (its disk
// under the reserve) is answered with that status and never proposed;
// check-only requests do not ask; once admission passes
// again, writes commit.
func TestProposeAdmitWrite(t *testing.T) {
	var full atomic.Bool
	full.Store(true)
	asked := atomic.Int32{}
	n, r := startRegion(t, ServerConfig{AdmitWrite: func(size int) error {
		asked.Add(1)
		if full.Load() {
			return status.Errorf(status.DiskSpaceInsufficient, "disk full: free space on /data")
		}
		return nil
	}})
	ctx := ctxT(t)
	err := n.client.Propose(ctx, n.addr, 1, write(oneInt64("d", "s", 1)), false)
	if status.CodeOf(err) != status.DiskSpaceInsufficient || !strings.Contains(err.Error(), "free space on /data") {
		t.Fatalf("write on a full node: %v, want 611 naming the directory", err)
	}
	if r.fsm.AppliedIndex() != 0 {
		t.Fatalf("a refused write was applied (index %d)", r.fsm.AppliedIndex())
	}
	if err := n.client.Propose(ctx, n.addr, 1, write(oneInt64("d", "s", 1)), true); err != nil {
		t.Fatalf("check-only on a full node: %v", err)
	}
	if asked.Load() != 1 {
		t.Fatalf("admission asked %d times, want once (not for check-only)", asked.Load())
	}
	full.Store(false)
	if err := n.client.Propose(ctx, n.addr, 1, write(oneInt64("d", "s", 1)), false); err != nil {
		t.Fatalf("write after space returned: %v", err)
	}
}
