package confignode

import (
	"encoding/json"
	"sort"

	"github.com/sluicedb/sluice/status"
)

// prepare checks a command on the leader before it is proposed and
// completes it: a new database gets its regions, slot count and placement
// here, from the leader's view of which DataNodes are alive, so every
// replica applies the same decision.
func (c *ConfigNode) prepare(cmd []byte) ([]byte, error) {
	if err := validateCommand(cmd); err != nil {
		return nil, err
	}
	if cmdType(cmd[0]) != cmdCreateDatabase {
		return cmd, nil
	}
	var cd createDatabaseCmd
	if err := json.Unmarshal(cmd[1:], &cd); err != nil {
		return nil, status.Errorf(status.IllegalParameter, "malformed create-database command: %v", err)
	}
	// Only the name comes from the caller; the shape is the cluster's.
	cd.Regions, cd.SlotNum, cd.Replicas = c.cfg.RegionsPerDatabase, c.cfg.SlotNum, nil
	placement, err := c.place(cd.Regions)
	if err != nil {
		return nil, err
	}
	cd.Placement = placement
	return encode(cmdCreateDatabase, cd), nil
}

// place chooses replicationFactor distinct running DataNodes for each of n
// new regions: the least loaded first, and the first replica of each
// region (its preferred leader) spread so that leaders balance.
func (c *ConfigNode) place(n int) ([][]uint32, error) {
	rf := c.cfg.ReplicationFactor
	replicas := map[uint32]int{}
	preferred := map[uint32]int{}
	var running []uint32
	c.fsm.read(func(s *State) {
		for id := range s.DataNodes {
			if c.live.alive(id) {
				running = append(running, id)
				replicas[id], preferred[id] = 0, 0
			}
		}
		for _, r := range s.Regions {
			for i, id := range r.Replicas {
				if _, ok := replicas[id]; ok {
					replicas[id]++
					if i == 0 {
						preferred[id]++
					}
				}
			}
		}
	})
	if len(running) < rf {
		if c.live.inGrace() {
			return nil, status.Errorf(status.ConsensusNotInitialized, "the new ConfigNode leader is waiting for the DataNodes' heartbeats")
		}
		return nil, status.Errorf(status.NoEnoughDataNode,
			"data_replication_factor is %d but only %d DataNode(s) are running", rf, len(running))
	}
	out := make([][]uint32, 0, n)
	for range n {
		sort.Slice(running, func(i, j int) bool {
			a, b := running[i], running[j]
			if replicas[a] != replicas[b] {
				return replicas[a] < replicas[b]
			}
			return a < b
		})
		chosen := append([]uint32(nil), running[:rf]...)
		sort.Slice(chosen, func(i, j int) bool {
			a, b := chosen[i], chosen[j]
			if preferred[a] != preferred[b] {
				return preferred[a] < preferred[b]
			}
			return a < b
		})
		for _, id := range chosen {
			replicas[id]++
		}
		preferred[chosen[0]]++
		out = append(out, chosen)
	}
	return out, nil
}
