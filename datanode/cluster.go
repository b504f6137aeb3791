package datanode

import (
	"fmt"
	"strconv"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
)

// showCluster answers the cluster SHOW statements for this process's view
// of the cluster.
func (d *DataNode) showCluster(stmt ast.Statement) *model.Result {
	id := strconv.Itoa(int(d.cfg.NodeID))
	cnPort, dnPort := strconv.Itoa(d.cfg.ConfigNodePort), strconv.Itoa(d.cfg.InternalPort)
	switch s := stmt.(type) {
	case *ast.ShowCluster:
		cols := []string{"NodeID", "NodeType", "Status", "InternalAddress", "InternalPort", "Version", "BuildInfo"}
		rows := [][]string{
			{"0", "ConfigNode", "Running", d.cfg.InternalAddress, cnPort, d.cfg.Version, "sluice"},
			{id, "DataNode", "Running", d.cfg.InternalAddress, dnPort, d.cfg.Version, "sluice"},
		}
		if s.Details {
			cols = []string{"NodeID", "NodeType", "Status", "InternalAddress", "InternalPort", "RpcAddress", "RpcPort", "Version", "BuildInfo"}
			rows = [][]string{
				{"0", "ConfigNode", "Running", d.cfg.InternalAddress, cnPort, nullCell, nullCell, d.cfg.Version, "sluice"},
				{id, "DataNode", "Running", d.cfg.InternalAddress, dnPort, d.rpcHost(), d.rpcPort(), d.cfg.Version, "sluice"},
			}
		}
		return textResult(cols, rows)
	case *ast.ShowConfigNodes:
		return textResult([]string{"NodeID", "Status", "InternalAddress", "InternalPort", "Role"},
			[][]string{{"0", "Running", d.cfg.InternalAddress, cnPort, "Leader"}})
	case *ast.ShowDataNodes:
		return textResult([]string{"NodeID", "Status", "RpcAddress", "RpcPort", "DataRegionNum", "SchemaRegionNum"},
			[][]string{{id, "Running", d.rpcHost(), d.rpcPort(), strconv.Itoa(len(d.regions.all())), "0"}})
	}
	var rows [][]string
	for _, r := range d.meta.Regions() {
		for _, n := range r.Replicas {
			role := "Follower"
			if rep := d.regions.get(r.ID); rep != nil && rep.group.IsLeader() {
				role = "Leader"
			}
			rows = append(rows, []string{fmt.Sprint(r.ID), "DataRegion", "Running", r.Database, fmt.Sprint(n), d.rpcHost(), d.rpcPort(), role})
		}
	}
	return textResult([]string{"RegionId", "Type", "Status", "Database", "DataNodeId", "RpcAddress", "RpcPort", "Role"}, rows)
}
