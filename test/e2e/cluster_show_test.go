package e2e

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/apache/iotdb-client-go/client"

	"github.com/sluicedb/sluice/test/proc"
)

// TestClusterShowStatements checks, through every DataNode of a 3 + 3
// cluster, that SHOW CLUSTER [DETAILS], SHOW CONFIGNODES, SHOW DATANODES
// and SHOW REGIONS list every node Running with the id its start order
// gives it and its addresses, one ConfigNode leader, and each data region
// on three distinct DataNodes with one leader.
func TestClusterShowStatements(t *testing.T) {
	cl := startTestCluster(t, 3, 3)
	sqlTo(t, cl.DataNodes[0]).mustExec("CREATE DATABASE root.show1", "CREATE DATABASE root.show2")
	for _, dn := range cl.DataNodes {
		t.Run("via "+dn.Name, func(t *testing.T) {
			c := sqlTo(t, dn)
			checkShowNodes(t, c, cl)
			waitRegionLeaders(t, c, 10*time.Second)
			checkShowDataNodes(t, c, cl, checkRegions(t, c, cl, "root.show1", "root.show2"))
		})
	}
}

// checkShowNodes checks SHOW CLUSTER, SHOW CLUSTER DETAILS and SHOW
// CONFIGNODES on c against cl, whose nodes have ids 0, 1, ... in the order
// of cl.Nodes().
func checkShowNodes(t *testing.T, c *pipeClient, cl *proc.Cluster) {
	t.Helper()
	rows := mustShow(t, c, "SHOW CLUSTER")
	details := mustShow(t, c, "SHOW CLUSTER DETAILS")
	if len(rows) != len(cl.Nodes()) || len(details) != len(cl.Nodes()) {
		t.Errorf("SHOW CLUSTER lists %d nodes, DETAILS %d, want %d: %v", len(rows), len(details), len(cl.Nodes()), rows)
	}
	for id, n := range cl.Nodes() {
		r := nodeRow(rows, n)
		if r == nil {
			t.Errorf("SHOW CLUSTER does not list %s (internal port %d): %v", n.Name, n.InternalPort, rows)
			continue
		}
		checkCells(t, "SHOW CLUSTER row of "+n.Name, r, map[string]string{
			"NodeID": strconv.Itoa(id), "NodeType": nodeType(n), "Status": "Running",
			"InternalAddress": "127.0.0.1", "InternalPort": strconv.Itoa(n.InternalPort)})
		if r["Version"] == "" || r["BuildInfo"] == "" {
			t.Errorf("SHOW CLUSTER row of %s has no Version or BuildInfo: %v", n.Name, r)
		}
		d := nodeRow(details, n)
		if d == nil {
			t.Errorf("SHOW CLUSTER DETAILS does not list %s: %v", n.Name, details)
			continue
		}
		checkCells(t, "SHOW CLUSTER DETAILS row of "+n.Name, d, map[string]string{"NodeID": strconv.Itoa(id), "Status": "Running"})
		if n.Role == proc.DataNode {
			checkCells(t, "SHOW CLUSTER DETAILS row of "+n.Name, d, map[string]string{
				"RpcAddress": "127.0.0.1", "RpcPort": strconv.Itoa(n.RPCPort), "DataConsensusPort": strconv.Itoa(n.ConsensusPort)})
		} else {
			checkCells(t, "SHOW CLUSTER DETAILS row of "+n.Name, d, map[string]string{
				"ConfigConsensusPort": strconv.Itoa(n.ConsensusPort)})
		}
	}

	cns := mustShow(t, c, "SHOW CONFIGNODES")
	if len(cns) != len(cl.ConfigNodes) {
		t.Errorf("SHOW CONFIGNODES lists %d nodes, want %d: %v", len(cns), len(cl.ConfigNodes), cns)
	}
	roles := map[string]int{}
	for id, n := range cl.ConfigNodes {
		r := nodeRow(cns, n)
		if r == nil {
			t.Errorf("SHOW CONFIGNODES does not list %s: %v", n.Name, cns)
			continue
		}
		checkCells(t, "SHOW CONFIGNODES row of "+n.Name, r, map[string]string{
			"NodeID": strconv.Itoa(id), "Status": "Running", "InternalAddress": "127.0.0.1", "InternalPort": strconv.Itoa(n.InternalPort)})
		roles[r["Role"]]++
	}
	if want := map[string]int{"Leader": 1, "Follower": len(cl.ConfigNodes) - 1}; !maps.Equal(roles, want) {
		t.Errorf("SHOW CONFIGNODES roles %v, want %v", roles, want)
	}
}

// checkShowDataNodes checks SHOW DATANODES on c against cl (DataNode ids
// follow the ConfigNodes') and each DataRegionNum against regions, SHOW
// REGIONS' rows by region.
func checkShowDataNodes(t *testing.T, c *pipeClient, cl *proc.Cluster, regions map[string][]replica) {
	t.Helper()
	perNode := map[string]int{}
	for _, reps := range regions {
		for _, r := range reps {
			if r["Type"] == "DataRegion" {
				perNode[r["DataNodeId"]]++
			}
		}
	}
	rows := mustShow(t, c, "SHOW DATANODES")
	if len(rows) != len(cl.DataNodes) {
		t.Errorf("SHOW DATANODES lists %d nodes, want %d: %v", len(rows), len(cl.DataNodes), rows)
	}
	for i, n := range cl.DataNodes {
		r := nodeRow(rows, n)
		if r == nil {
			t.Errorf("SHOW DATANODES does not list %s (rpc port %d): %v", n.Name, n.RPCPort, rows)
			continue
		}
		id := strconv.Itoa(len(cl.ConfigNodes) + i)
		checkCells(t, "SHOW DATANODES row of "+n.Name, r, map[string]string{
			"NodeID": id, "Status": "Running", "RpcAddress": "127.0.0.1", "RpcPort": strconv.Itoa(n.RPCPort),
			"DataRegionNum": strconv.Itoa(perNode[id])})
		if _, ok := r["SchemaRegionNum"]; !ok {
			t.Errorf("SHOW DATANODES has no SchemaRegionNum column: %v", r)
		}
	}
}

// checkCells reports the cells of row that differ from want.
func checkCells(t *testing.T, what string, row, want map[string]string) {
	t.Helper()
	for _, col := range slices.Sorted(maps.Keys(want)) {
		if got, ok := row[col]; !ok {
			t.Errorf("%s has no column %s: %v", what, col, row)
		} else if got != want[col] {
			t.Errorf("%s: %s is %q, want %q", what, col, got, want[col])
		}
	}
}

// waitRegionLeaders waits until every data region in SHOW REGIONS on c
// has exactly one Leader replica: right after CREATE DATABASE the new
// regions are still electing.
// waitPreferredLeaders waits until every data region is led by its
// preferred replica, the first SHOW REGIONS lists: the placement spreads
// preferred replicas over the DataNodes, and leaders move back to them.
func waitPreferredLeaders(t *testing.T, c *pipeClient, timeout time.Duration) {
	t.Helper()
	pipeWaitFor(t, timeout, "every data region led by its preferred replica", func() (bool, string) {
		rows, err := showRows(c, "SHOW REGIONS")
		if err != nil {
			return false, err.Error()
		}
		first, leader := map[string]string{}, map[string]string{}
		for _, r := range rows {
			if _, ok := first[r["RegionId"]]; !ok {
				first[r["RegionId"]] = r["DataNodeId"]
			}
			if r["Role"] == "Leader" {
				leader[r["RegionId"]] = r["DataNodeId"]
			}
		}
		return len(first) > 0 && maps.Equal(first, leader), fmt.Sprintf("preferred %v, leaders %v", first, leader)
	})
}

func waitRegionLeaders(t *testing.T, c *pipeClient, timeout time.Duration) {
	t.Helper()
	pipeWaitFor(t, timeout, "one leader per data region", func() (bool, string) {
		rows, err := showRows(c, "SHOW REGIONS")
		if err != nil {
			return false, err.Error()
		}
		leaders := map[string]int{}
		for _, r := range rows {
			if r["Type"] != "DataRegion" {
				continue
			}
			leaders[r["RegionId"]] += 0
			if r["Role"] == "Leader" {
				leaders[r["RegionId"]]++
			}
		}
		for _, n := range leaders {
			if n != 1 {
				return false, fmt.Sprintf("leaders per region %v", leaders)
			}
		}
		return len(leaders) > 0, fmt.Sprintf("leaders per region %v", leaders)
	})
}

// TestClusterReadsThroughEveryDataNode writes tablets of every data type,
// with nulls, to devices spread over the regions through one DataNode, and
// reads them back through each DataNode: raw rows (one device's over many
// fetches of the client), count(*) and LAST.
func TestClusterReadsThroughEveryDataNode(t *testing.T) {
	cl := startTestCluster(t, 3, 3)
	w := sessionTo(t, cl.DataNodes[0])
	st, err := w.SetStorageGroup("root.rw")
	mustOK(t, "SetStorageGroup root.rw", st, err)
	waitPreferredLeaders(t, sqlTo(t, cl.DataNodes[0]), 30*time.Second)
	const devices = 8
	wants := map[string]map[int64][]any{}
	last := map[string]lastWant{}
	var counts []aggWant
	others := map[int32]bool{}
	for _, dn := range cl.DataNodes[1:] {
		others[int32(dn.RPCPort)] = true
	}
	redirected := 0
	for d := range devices {
		dev, rows := fmt.Sprintf("root.rw.d%d", d), 150
		if d == 0 {
			rows = 20 * client.DefaultFetchSize
		}
		tb, want := sixTablet(t, dev, rows, func(i int) int64 { return int64(i*devices + d) }, true)
		st, err := w.InsertTablet(tb, true)
		if !acknowledged(st, err) {
			t.Fatalf("InsertTablet %s through %s: %v %s", dev, cl.DataNodes[0].Name, err, statusString(st))
		}
		if st.Code == client.RedirectionRecommend {
			redirected++
			if n := st.GetRedirectNode(); n == nil || !others[n.Port] {
				t.Errorf("InsertTablet %s: redirected to %+v, not to another DataNode's client port", dev, n)
			}
		}
		wants[dev] = want
		counts = append(counts, sixExpectations(dev, want, last)...)
	}
	// The devices hash into both regions, whose preferred leaders are on
	// distinct DataNodes: some writes must have been answered with the
	// leader's address.
	if redirected == 0 {
		t.Errorf("no write through %s was redirected to its region's leader", cl.DataNodes[0].Name)
	}
	for _, dn := range cl.DataNodes {
		t.Run("via "+dn.Name, func(t *testing.T) {
			sess := sessionTo(t, dn)
			for _, dev := range slices.Sorted(maps.Keys(wants)) {
				sql := "SELECT * FROM " + dev
				checkRows(t, sql, query(t, sess, sql), dev, sixNames, sixTypes, wants[dev])
			}
			checkAggregates(t, sess, "SELECT count(*) FROM root.rw.**", counts)
			checkLast(t, query(t, sess, "SELECT LAST * FROM root.rw.**"), last)
		})
	}

	// A write spanning both regions that one region's schema refuses
	// changes nothing in either, through every DataNode (for each, some
	// region is led elsewhere).
	sqlTo(t, cl.DataNodes[0]).mustExec("CREATE TIMESERIES root.hb.d0.s WITH DATATYPE=TEXT, ENCODING=PLAIN")
	var ids []string
	var ms [][]string
	var types [][]client.TSDataType
	var vals [][]any
	var times []int64
	for d := range 6 {
		ids, ms, times = append(ids, fmt.Sprintf("root.hb.d%d", d)), append(ms, []string{"s"}), append(times, 1)
		types, vals = append(types, []client.TSDataType{client.DOUBLE}), append(vals, []any{float64(d)})
	}
	for _, dn := range cl.DataNodes {
		sess := sessionTo(t, dn)
		st, err := sess.InsertRecords(ids, ms, types, vals, times)
		if acknowledged(st, err) {
			t.Fatalf("through %s a write mistyping root.hb.d0.s was acknowledged", dn.Name)
		}
		if series := showTimeseries(t, sess, "root.hb.**"); len(series) != 1 {
			t.Fatalf("through %s the refused write left series %v, want root.hb.d0.s only", dn.Name, slices.Sorted(maps.Keys(series)))
		}
	}
}

// sixExpectations adds the LAST answer of each of device's six series to
// last, from want (time -> six values, nil for null), and returns their
// count(*) columns.
func sixExpectations(device string, want map[int64][]any, last map[string]lastWant) []aggWant {
	times := slices.Sorted(maps.Keys(want))
	var counts []aggWant
	for c := range sixTypes {
		var n int64
		for i := len(times) - 1; i >= 0; i-- {
			v := want[times[i]][c]
			if v == nil {
				continue
			}
			if n == 0 {
				last[device+"."+sixNames[c]] = lastWant{times[i], v, sixTypeNames()[c]}
			}
			n++
		}
		counts = append(counts, aggWant{"count(" + device + "." + sixNames[c] + ")", client.INT64, n})
	}
	return counts
}
