package datanode

import (
	"context"
	"testing"

	"github.com/sluicedb/sluice/model"
)

// Client writes that commit raise the points and write request counters;
// a refused write raises neither, and a pipe transfer received counts its
// points but is no client request. The hosted regions are counted by role.
func TestWriteAndRegionMetrics(t *testing.T) {
	n := startNode(t, t.TempDir())
	if got := n.metric("sluice_datanode_regions", "leader") + n.metric("sluice_datanode_regions", "follower"); got != 0 {
		t.Fatalf("regions before any database = %v, want 0", got)
	}
	n.mustExec("insert into root.sg.d(time, a, b) values (1, 1, 1), (2, 2, null)")
	n.mustExec("insert into root.sg.d(time, a) values (3, 3)")
	if _, err := n.exec("root", "insert into root.sg.d(time, a) values (4, 'text')"); err == nil {
		t.Fatal("text into an INT64 series was accepted")
	}
	checkWriteMetrics(t, n, 4, 2)

	received := model.Tablet{Device: model.Path{"root", "sg", "e"}, Measurements: []string{"x"}, Times: []int64{1, 2},
		Columns: []model.Column{{Type: model.Int64, Int64s: []int64{1, 2}}}}
	if err := n.dn.Insert(context.Background(), []*model.Tablet{&received}, "other-cluster"); err != nil {
		t.Fatal(err)
	}
	checkWriteMetrics(t, n, 6, 2)

	// The database got RegionsPerDatabase (2) regions, led by this node's
	// single replicas.
	if l, f := n.metric("sluice_datanode_regions", "leader"), n.metric("sluice_datanode_regions", "follower"); l != 2 || f != 0 {
		t.Fatalf("sluice_datanode_regions leader %v follower %v, want 2 and 0", l, f)
	}
}

func checkWriteMetrics(t *testing.T, n *node, points, requests float64) {
	t.Helper()
	if got := n.metric("sluice_datanode_points_written_total", ""); got != points {
		t.Errorf("sluice_datanode_points_written_total = %v, want %v", got, points)
	}
	if got := n.metric("sluice_datanode_write_requests_total", ""); got != requests {
		t.Errorf("sluice_datanode_write_requests_total = %v, want %v", got, requests)
	}
}

// metric is the value of the series of name on the node's registry whose
// only label has value label ("" for an unlabelled one), or -1 if absent.
func (n *node) metric(name, label string) float64 {
	n.t.Helper()
	mfs, err := n.reg.Gather()
	if err != nil {
		n.t.Fatal(err)
	}
	for _, f := range mfs {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if len(m.GetLabel()) > 0 && m.GetLabel()[0].GetValue() != label {
				continue
			}
			if m.GetCounter() != nil {
				return m.GetCounter().GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	return -1
}
