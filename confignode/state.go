package confignode

import (
	"net"
	"sort"
	"strconv"

	"github.com/sluicedb/sluice/auth"
)

// Database is a database (IoTDB's storage group) and the data regions its
// devices hash into.
type Database struct {
	Name    string   `json:"name"`
	TTL     int64    `json:"ttl"` // milliseconds; 0 means forever
	Regions []uint32 `json:"regions"`
	// SlotNum is how many series slots device hashes fall into; slot s
	// belongs to Regions[s % len(Regions)].
	SlotNum int `json:"slot_num"`
}

// Region is a data region: a replicated group holding some of a database's
// devices.
type Region struct {
	ID       uint32   `json:"id"`
	Database string   `json:"database"`
	Replicas []uint32 `json:"replicas"` // DataNode ids
}

// Endpoint is a host and port.
type Endpoint struct {
	Host string `json:"host"`
	Port int    `json:"port"`
}

// String is host:port.
func (e Endpoint) String() string { return net.JoinHostPort(e.Host, strconv.Itoa(e.Port)) }

// NodeInfo is a registered node: its id and where it listens.
type NodeInfo struct {
	ID        uint32   `json:"id"`
	Internal  Endpoint `json:"internal"`
	RPC       Endpoint `json:"rpc,omitempty"` // DataNodes only
	Consensus Endpoint `json:"consensus"`
	Version   string   `json:"version,omitempty"`
}

// State is the whole metadata state machine's data. It is replaced, never
// mutated, by Restore.
type State struct {
	Databases    map[string]*Database `json:"databases"`
	Regions      map[uint32]*Region   `json:"regions"`
	NextRegionID uint32               `json:"next_region_id"`
	Auth         *auth.State          `json:"auth"`
	ClusterID    string               `json:"cluster_id"`
	Pipes        map[string]*Pipe     `json:"pipes"`
	// ConfigNodes and DataNodes are the registered nodes; ids come from
	// NextNodeID, shared by both kinds as in IoTDB.
	ConfigNodes map[uint32]*NodeInfo `json:"config_nodes"`
	DataNodes   map[uint32]*NodeInfo `json:"data_nodes"`
	NextNodeID  uint32               `json:"next_node_id"`
	// Index is the Raft index of the last command this state reflects.
	Index uint64 `json:"index"`
}

func newState() *State {
	return &State{Databases: map[string]*Database{}, Regions: map[uint32]*Region{}, NextRegionID: 1, Auth: auth.New(),
		Pipes: map[string]*Pipe{}, ConfigNodes: map[uint32]*NodeInfo{}, DataNodes: map[uint32]*NodeInfo{}}
}

// fill gives maps that an older snapshot lacked their empty value.
func (s *State) fill() {
	if s.Auth == nil {
		s.Auth = auth.New()
	}
	if s.Pipes == nil {
		s.Pipes = map[string]*Pipe{}
	}
	if s.ConfigNodes == nil {
		s.ConfigNodes = map[uint32]*NodeInfo{}
	}
	if s.DataNodes == nil {
		s.DataNodes = map[uint32]*NodeInfo{}
	}
}

// nodeList returns copies of nodes sorted by id.
func nodeList(nodes map[uint32]*NodeInfo) []NodeInfo {
	out := make([]NodeInfo, 0, len(nodes))
	for _, n := range nodes {
		out = append(out, *n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// DatabaseList returns the databases sorted by name, as copies.
func (s *State) DatabaseList() []Database {
	out := make([]Database, 0, len(s.Databases))
	for _, d := range s.Databases {
		c := *d
		c.Regions = append([]uint32(nil), d.Regions...)
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// RegionList returns the regions sorted by id, as copies.
func (s *State) RegionList() []Region {
	out := make([]Region, 0, len(s.Regions))
	for _, r := range s.Regions {
		c := *r
		c.Replicas = append([]uint32(nil), r.Replicas...)
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
