package confignode

import (
	"sort"

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

// State is the whole metadata state machine's data. It is replaced, never
// mutated, by Restore.
type State struct {
	Databases    map[string]*Database `json:"databases"`
	Regions      map[uint32]*Region   `json:"regions"`
	NextRegionID uint32               `json:"next_region_id"`
	Auth         *auth.State          `json:"auth"`
	ClusterID    string               `json:"cluster_id"`
	Pipes        map[string]*Pipe     `json:"pipes"`
}

func newState() *State {
	return &State{Databases: map[string]*Database{}, Regions: map[uint32]*Region{}, NextRegionID: 1, Auth: auth.New(), Pipes: map[string]*Pipe{}}
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
