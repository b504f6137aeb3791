package datanode

import (
	"context"
	"fmt"
	"strconv"

	"github.com/sluicedb/sluice/confignode"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
)

// showCluster answers the cluster SHOW statements from the ConfigNode
// leader's view of the nodes and region leaders.
func (d *DataNode) showCluster(ctx context.Context, stmt ast.Statement) (*model.Result, error) {
	st, err := d.meta.ClusterStatus(ctx)
	if err != nil {
		return nil, err
	}
	for i := range st.Nodes {
		d.fillStandalone(&st.Nodes[i])
	}
	switch s := stmt.(type) {
	case *ast.ShowCluster:
		return d.showNodes(st, s.Details), nil
	case *ast.ShowConfigNodes:
		var rows [][]string
		for _, n := range st.Nodes {
			if n.Kind == "ConfigNode" {
				rows = append(rows, []string{itoa(n.ID), n.Status, n.Internal.Host, strconv.Itoa(n.Internal.Port), n.Role})
			}
		}
		return textResult([]string{"NodeID", "Status", "InternalAddress", "InternalPort", "Role"}, rows), nil
	case *ast.ShowDataNodes:
		count := map[uint32]int{}
		for _, r := range d.meta.Regions() {
			for _, n := range r.Replicas {
				count[n]++
			}
		}
		var rows [][]string
		for _, n := range st.Nodes {
			if n.Kind == "DataNode" {
				rows = append(rows, []string{itoa(n.ID), n.Status, n.RPC.Host, strconv.Itoa(n.RPC.Port), strconv.Itoa(count[n.ID]), "0"})
			}
		}
		return textResult([]string{"NodeID", "Status", "RpcAddress", "RpcPort", "DataRegionNum", "SchemaRegionNum"}, rows), nil
	}
	return d.showRegions(st), nil
}

// fillStandalone gives a standalone process's nodes, which have no network
// endpoints of their own, the addresses configured for display.
func (d *DataNode) fillStandalone(n *confignode.NodeStatus) {
	if d.cluster != nil || n.Internal.Host != "" {
		return
	}
	n.Internal = confignode.Endpoint{Host: d.cfg.InternalAddress, Port: d.cfg.InternalPort}
	if n.Kind == "ConfigNode" {
		n.Internal.Port, n.Role = d.cfg.ConfigNodePort, "Leader"
		return
	}
	n.RPC = d.rpcAdvertised()
}

func (d *DataNode) showNodes(st confignode.ClusterStatus, details bool) *model.Result {
	cols := []string{"NodeID", "NodeType", "Status", "InternalAddress", "InternalPort", "Version", "BuildInfo"}
	if details {
		cols = []string{"NodeID", "NodeType", "Status", "InternalAddress", "InternalPort", "ConfigConsensusPort", "RpcAddress", "RpcPort",
			"DataConsensusPort", "Version", "BuildInfo"}
	}
	var rows [][]string
	for _, n := range st.Nodes {
		version := n.Version
		if version == "" {
			version = d.cfg.Version
		}
		row := []string{itoa(n.ID), n.Kind, n.Status, n.Internal.Host, strconv.Itoa(n.Internal.Port)}
		if details {
			consensus := strconv.Itoa(n.Consensus.Port)
			if n.Kind == "DataNode" {
				row = append(row, nullCell, n.RPC.Host, strconv.Itoa(n.RPC.Port), consensus)
			} else {
				row = append(row, consensus, nullCell, nullCell, nullCell)
			}
		}
		rows = append(rows, append(row, version, "sluice"))
	}
	return textResult(cols, rows)
}

// showRegions lists every replica of every data region with its role.
func (d *DataNode) showRegions(st confignode.ClusterStatus) *model.Result {
	nodes := map[uint32]confignode.NodeStatus{}
	for _, n := range st.Nodes {
		nodes[n.ID] = n
	}
	var rows [][]string
	for _, r := range d.meta.Regions() {
		leader := st.Leaders[r.ID]
		if rep := d.regions.get(r.ID); rep != nil && rep.group.IsLeader() {
			leader = d.cfg.NodeID
		}
		for _, id := range r.Replicas {
			role := "Follower"
			if id == leader {
				role = "Leader"
			}
			n := nodes[id]
			rows = append(rows, []string{fmt.Sprint(r.ID), "DataRegion", n.Status, r.Database, itoa(id), n.RPC.Host, strconv.Itoa(n.RPC.Port), role})
		}
	}
	return textResult([]string{"RegionId", "Type", "Status", "Database", "DataNodeId", "RpcAddress", "RpcPort", "Role"}, rows)
}

func itoa(id uint32) string { return strconv.FormatUint(uint64(id), 10) }
