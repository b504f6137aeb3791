package confignode

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Exactly one ConfigNode of three says it leads, and only it exports the
// cluster series: every node up, the regions and those without a leader;
// a DataNode that stops reporting turns to 0, and so do the regions it
// led.
func TestClusterMetrics(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cns := startGroup(t)
	var dns []uint32
	for i := range 2 {
		id, _, err := cns[1].RegisterDataNode(ctx, NodeInfo{Internal: Endpoint{Host: "127.0.0.1", Port: 30100 + i},
			RPC: Endpoint{Host: "127.0.0.1", Port: 31100 + i}, Consensus: Endpoint{Host: "127.0.0.1", Port: 32100 + i}}, "")
		if err != nil {
			t.Fatal(err)
		}
		dns = append(dns, id)
	}
	if err := cns[2].CreateDatabase(ctx, "root.m"); err != nil {
		t.Fatal(err)
	}
	regions := cns[2].Regions()
	if len(regions) != 3 {
		t.Fatalf("regions %+v, want 3", regions)
	}
	// The first DataNode leads two regions, the second none; each reports
	// while it is in alive.
	alive := map[uint32][]uint32{dns[0]: {regions[0].ID, regions[1].ID}, dns[1]: nil}
	beats := make(chan map[uint32][]uint32)
	done := make(chan struct{})
	defer func() { close(beats); <-done }()
	go func() {
		defer close(done)
		live := alive
		for {
			select {
			case next, ok := <-beats:
				if !ok {
					return
				}
				live = next
			case <-time.After(50 * time.Millisecond):
			}
			for id, led := range live {
				hctx, cancel := context.WithTimeout(ctx, time.Second)
				_, _ = cns[2].Heartbeat(hctx, id, led, nil)
				cancel()
			}
		}
	}()

	cnID := func(i int) string { return fmt.Sprint(cns[i].ID()) }
	dnID := func(i int) string { return fmt.Sprint(dns[i]) }
	want := map[string]float64{
		"sluice_cluster_node_up{node_id=" + cnID(0) + ",type=ConfigNode}": 1,
		"sluice_cluster_node_up{node_id=" + cnID(1) + ",type=ConfigNode}": 1,
		"sluice_cluster_node_up{node_id=" + cnID(2) + ",type=ConfigNode}": 1,
		"sluice_cluster_node_up{node_id=" + dnID(0) + ",type=DataNode}":   1,
		"sluice_cluster_node_up{node_id=" + dnID(1) + ",type=DataNode}":   1,
		"sluice_cluster_nodes{status=Running,type=ConfigNode}":            3,
		"sluice_cluster_nodes{status=Unknown,type=ConfigNode}":            0,
		"sluice_cluster_nodes{status=Running,type=DataNode}":              2,
		"sluice_cluster_nodes{status=Unknown,type=DataNode}":              0,
		"sluice_cluster_regions":                                          3,
		"sluice_cluster_regions_without_leader":                           1,
	}
	leader := waitClusterMetrics(t, cns, want)

	// The second DataNode goes silent.
	beats <- map[uint32][]uint32{dns[0]: alive[dns[0]]}
	want["sluice_cluster_node_up{node_id="+dnID(1)+",type=DataNode}"] = 0
	want["sluice_cluster_nodes{status=Running,type=DataNode}"] = 1
	want["sluice_cluster_nodes{status=Unknown,type=DataNode}"] = 1
	if l := waitClusterMetrics(t, cns, want); l != leader {
		t.Fatalf("leadership moved from ConfigNode %d to %d during the test", leader, l)
	}

	// So does the first: the regions it led have no leader any more.
	beats <- map[uint32][]uint32{}
	want["sluice_cluster_node_up{node_id="+dnID(0)+",type=DataNode}"] = 0
	want["sluice_cluster_nodes{status=Running,type=DataNode}"] = 0
	want["sluice_cluster_nodes{status=Unknown,type=DataNode}"] = 2
	want["sluice_cluster_regions_without_leader"] = 3
	waitClusterMetrics(t, cns, want)
}

// waitClusterMetrics waits until one ConfigNode exports
// sluice_confignode_leader 1 and exactly the cluster series of want, and
// the others 0 and no cluster series; it returns the leader's index.
func waitClusterMetrics(t *testing.T, cns []*testCN, want map[string]float64) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		leader, err := checkClusterMetrics(cns, want)
		if err == nil {
			return leader
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func checkClusterMetrics(cns []*testCN, want map[string]float64) (int, error) {
	leader := -1
	for i, n := range cns {
		got, err := clusterSeries(n.reg)
		if err != nil {
			return 0, err
		}
		isLeader := got["sluice_confignode_leader"] == 1
		delete(got, "sluice_confignode_leader")
		if !isLeader {
			if len(got) > 0 {
				return 0, fmt.Errorf("ConfigNode %d does not lead but exports %v", i, got)
			}
			continue
		}
		if leader >= 0 {
			return 0, fmt.Errorf("ConfigNodes %d and %d both export sluice_confignode_leader 1", leader, i)
		}
		leader = i
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return 0, fmt.Errorf("the leader exports\n%v\nwant\n%v", got, want)
		}
	}
	if leader < 0 {
		return 0, fmt.Errorf("no ConfigNode exports sluice_confignode_leader 1")
	}
	return leader, nil
}

// clusterSeries gathers the ConfigNode's leader and cluster series as
// name{label=value,...} -> value.
func clusterSeries(reg *prometheus.Registry) (map[string]float64, error) {
	mfs, err := reg.Gather()
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, f := range mfs {
		switch name := f.GetName(); name {
		case "sluice_confignode_leader", "sluice_cluster_node_up", "sluice_cluster_nodes",
			"sluice_cluster_regions", "sluice_cluster_regions_without_leader":
			for _, m := range f.GetMetric() {
				out[seriesName(name, m)] = m.GetGauge().GetValue()
			}
		}
	}
	return out, nil
}

func seriesName(name string, m *dto.Metric) string {
	if len(m.GetLabel()) == 0 {
		return name
	}
	s := name + "{"
	for i, l := range m.GetLabel() {
		if i > 0 {
			s += ","
		}
		s += l.GetName() + "=" + l.GetValue()
	}
	return s + "}"
}
