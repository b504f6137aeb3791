package confignode

import (
	"github.com/sluicedb/sluice/status"
)

// nodesOf returns the state's map for a node kind.
func (s *State) nodesOf(kind string) map[uint32]*NodeInfo {
	if kind == kindConfigNode {
		return s.ConfigNodes
	}
	return s.DataNodes
}

// node finds a registered node of either kind.
func (s *State) node(id uint32) (*NodeInfo, string, bool) {
	if n, ok := s.ConfigNodes[id]; ok {
		return n, kindConfigNode, true
	}
	if n, ok := s.DataNodes[id]; ok {
		return n, kindDataNode, true
	}
	return nil, "", false
}

// registerNode applies a registration; its response is the node's id.
func (f *fsm) registerNode(c registerNodeCmd) any {
	n := c.Node
	if c.New {
		n.ID = f.state.NextNodeID
	} else if _, kind, ok := f.state.node(n.ID); ok && kind != c.Kind {
		return status.Errorf(status.RegisterDataNodeWithWrongID, "node id %d belongs to a %s, not a %s", n.ID, kind, c.Kind)
	} else if !ok && !c.Create {
		return status.Errorf(status.RegisterDataNodeWithWrongID, "node id %d is not known to this cluster", n.ID)
	}
	f.state.nodesOf(c.Kind)[n.ID] = &n
	f.state.NextNodeID = max(f.state.NextNodeID, n.ID+1)
	return n.ID
}

// removeNode forgets a node.
func (f *fsm) removeNode(c removeNodeCmd) any {
	nodes := f.state.nodesOf(c.Kind)
	if _, ok := nodes[c.ID]; !ok {
		return status.Errorf(status.DataNodeNotExist, "%s %d is not registered", c.Kind, c.ID)
	}
	delete(nodes, c.ID)
	return nil
}
