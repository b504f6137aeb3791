package confignode

import (
	"encoding/json"
	"fmt"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/status"
)

// cmdType numbers ConfigNode commands. Append only: old entries must decode
// the same way forever.
type cmdType byte

const (
	cmdCreateDatabase cmdType = 1
	cmdDropDatabase   cmdType = 2
	cmdSetTTL         cmdType = 3
	cmdCreateUser     cmdType = 4
	cmdDropUser       cmdType = 5
	cmdSetPassword    cmdType = 6
	cmdGrant          cmdType = 7
	cmdRevoke         cmdType = 8
	cmdSetClusterID   cmdType = 9
	cmdCreatePipe     cmdType = 10
	cmdStartPipe      cmdType = 11
	cmdStopPipe       cmdType = 12
	cmdDropPipe       cmdType = 13
	cmdPipeException  cmdType = 14
	cmdCommitProgress cmdType = 15
	cmdRegisterNode   cmdType = 16
	cmdRemoveNode     cmdType = 17
	cmdAlterPipe      cmdType = 18
	cmdCreateRole     cmdType = 19
	cmdDropRole       cmdType = 20
	cmdGrantRole      cmdType = 21
	cmdRevokeRole     cmdType = 22
)

// createDatabaseCmd creates a database. A DataNode proposes only the name;
// the ConfigNode leader fills in the regions and their placement before
// committing it (prepare), so that every replica applies the same choice.
type createDatabaseCmd struct {
	Name    string `json:"name"`
	Regions int    `json:"regions"`
	SlotNum int    `json:"slot_num"`
	// Replicas places every region on the same nodes; Placement, when
	// set, gives each region its own.
	Replicas  []uint32   `json:"replicas,omitempty"`
	Placement [][]uint32 `json:"placement,omitempty"`
}

// Node kinds in registerNodeCmd.
const (
	kindConfigNode = "ConfigNode"
	kindDataNode   = "DataNode"
)

// registerNodeCmd admits a node. New asks for a new id; otherwise a known
// Node.ID gets its endpoints updated (a restart) and an unknown one is
// refused unless Create is set (a standalone process, whose DataNode id is
// fixed).
type registerNodeCmd struct {
	Kind   string   `json:"kind"`
	Node   NodeInfo `json:"node"`
	New    bool     `json:"new,omitempty"`
	Create bool     `json:"create,omitempty"`
}

type removeNodeCmd struct {
	Kind string `json:"kind"`
	ID   uint32 `json:"id"`
}

type dropDatabaseCmd struct {
	Name string `json:"name"`
}

type setTTLCmd struct {
	Name string `json:"name"`
	TTL  int64  `json:"ttl"`
}

type userCmd struct {
	Name string `json:"name"`
	Hash string `json:"hash,omitempty"`
	// Time (ms since the epoch, set by the proposer) stamps the exception
	// of pipes that DROP USER stops.
	Time int64 `json:"time,omitempty"`
}

// grantCmd grants or revokes privileges of a user, or of a role when Role
// is set.
type grantCmd struct {
	User        string       `json:"user"`
	Role        string       `json:"role,omitempty"`
	Privileges  []string     `json:"privileges"`
	Paths       []model.Path `json:"paths"`
	GrantOption bool         `json:"grant_option,omitempty"`
	// Time stamps the exception of pipes that a REVOKE stops.
	Time int64 `json:"time,omitempty"`
}

func encode(t cmdType, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("BUG: encode confignode command %d: %v", t, err))
	}
	return append([]byte{byte(t)}, b...)
}

// commandBodies makes an empty body of each command type, for
// validateCommand.
var commandBodies = map[cmdType]func() any{
	cmdCreateDatabase: func() any { return &createDatabaseCmd{} },
	cmdDropDatabase:   func() any { return &dropDatabaseCmd{} },
	cmdSetTTL:         func() any { return &setTTLCmd{} },
	cmdCreateUser:     func() any { return &userCmd{} },
	cmdDropUser:       func() any { return &userCmd{} },
	cmdSetPassword:    func() any { return &userCmd{} },
	cmdGrant:          func() any { return &grantCmd{} },
	cmdRevoke:         func() any { return &grantCmd{} },
	cmdSetClusterID:   func() any { return &clusterIDCmd{} },
	cmdCreatePipe:     func() any { return &Pipe{} },
	cmdStartPipe:      func() any { return &pipeNameCmd{} },
	cmdStopPipe:       func() any { return &pipeNameCmd{} },
	cmdDropPipe:       func() any { return &pipeNameCmd{} },
	cmdPipeException:  func() any { return &pipeExceptionCmd{} },
	cmdCommitProgress: func() any { return &pipeProgressCmd{} },
	cmdRegisterNode:   func() any { return &registerNodeCmd{} },
	cmdRemoveNode:     func() any { return &removeNodeCmd{} },
	cmdAlterPipe:      func() any { return &alterPipeCmd{} },
	cmdCreateRole:     func() any { return &roleCmd{} },
	cmdDropRole:       func() any { return &roleCmd{} },
	cmdGrantRole:      func() any { return &roleCmd{} },
	cmdRevokeRole:     func() any { return &roleCmd{} },
}

// validateCommand decodes cmd as the state machine will: a command that
// does not decode must never be proposed, since applying it stops every
// replica.
func validateCommand(cmd []byte) error {
	if len(cmd) == 0 {
		return status.Errorf(status.IllegalParameter, "empty metadata command")
	}
	body, ok := commandBodies[cmdType(cmd[0])]
	if !ok {
		return status.Errorf(status.IllegalParameter, "unknown metadata command type %d", cmd[0])
	}
	if err := json.Unmarshal(cmd[1:], body()); err != nil {
		return status.Errorf(status.IllegalParameter, "metadata command type %d does not decode: %v", cmd[0], err)
	}
	return nil
}
