package confignode

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hashicorp/raft"

	"github.com/sluicedb/sluice/auth"
	"github.com/sluicedb/sluice/status"
)

// fsm applies ConfigNode commands to State.
type fsm struct {
	stateCell
	// progressAt is when this node last applied a progress commit of each
	// pipe; it is not replicated state (guarded by mu).
	progressAt map[string]time.Time
	// started is when this node's fsm was made: a pipe whose last commit
	// came before it (and so is not in progressAt) is counted from here,
	// not from its creation, so that a restart does not age every pipe.
	started time.Time
}

func newFSM() *fsm {
	return &fsm{stateCell: stateCell{state: newState(), changed: make(chan struct{})}, progressAt: map[string]time.Time{},
		started: time.Now()}
}

// Apply implements raft.FSM. Business errors are the response; an entry
// that does not decode stops the node rather than let replicas diverge.
func (f *fsm) Apply(l *raft.Log) any {
	if l.Type != raft.LogCommand || len(l.Data) == 0 {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	defer f.notifyLocked()
	f.state.Index = l.Index
	body := l.Data[1:]
	var resp any
	var err error
	switch cmdType(l.Data[0]) {
	case cmdCreateDatabase:
		var c createDatabaseCmd
		if err = json.Unmarshal(body, &c); err == nil {
			resp = f.createDatabase(c)
		}
	case cmdDropDatabase:
		var c dropDatabaseCmd
		if err = json.Unmarshal(body, &c); err == nil {
			resp = f.dropDatabase(c.Name)
		}
	case cmdSetTTL:
		var c setTTLCmd
		if err = json.Unmarshal(body, &c); err == nil {
			resp = f.setTTL(c)
		}
	case cmdCreateUser:
		var c userCmd
		if err = json.Unmarshal(body, &c); err == nil {
			resp = f.state.Auth.CreateUser(c.Name, c.Hash)
		}
	case cmdDropUser:
		var c userCmd
		if err = json.Unmarshal(body, &c); err == nil {
			if resp = f.state.Auth.DropUser(c.Name); resp == nil {
				f.stopPipesOf(c.Name, c.Time)
			}
		}
	case cmdSetPassword:
		var c userCmd
		if err = json.Unmarshal(body, &c); err == nil {
			resp = f.state.Auth.SetPassword(c.Name, c.Hash)
		}
	case cmdGrant, cmdRevoke:
		var c grantCmd
		if err = json.Unmarshal(body, &c); err == nil {
			if resp = f.grant(cmdType(l.Data[0]) == cmdGrant, c); resp == nil {
				f.stopPipesOfGrantee(c.User, c.Role, c.Time)
			}
		}
	case cmdCreateRole, cmdDropRole, cmdGrantRole, cmdRevokeRole:
		var c roleCmd
		if err = json.Unmarshal(body, &c); err == nil {
			resp = f.applyRole(cmdType(l.Data[0]), c)
		}
	case cmdSetClusterID:
		var c clusterIDCmd
		if err = json.Unmarshal(body, &c); err == nil && f.state.ClusterID == "" {
			f.state.ClusterID = c.ID
		}
	case cmdCreatePipe:
		var c Pipe
		if err = json.Unmarshal(body, &c); err == nil {
			resp = f.createPipe(c)
		}
	case cmdStartPipe, cmdStopPipe:
		var c pipeNameCmd
		if err = json.Unmarshal(body, &c); err == nil {
			state := PipeRunning
			if cmdType(l.Data[0]) == cmdStopPipe {
				state = PipeStopped
			}
			resp = f.setPipeState(c.Name, state)
		}
	case cmdDropPipe:
		var c pipeNameCmd
		if err = json.Unmarshal(body, &c); err == nil {
			resp = f.dropPipe(c.Name)
		}
	case cmdPipeException:
		var c pipeExceptionCmd
		if err = json.Unmarshal(body, &c); err == nil {
			resp = f.pipeException(c)
		}
	case cmdCommitProgress:
		var c pipeProgressCmd
		if err = json.Unmarshal(body, &c); err == nil {
			resp = f.commitProgress(c)
		}
	case cmdRegisterNode:
		var c registerNodeCmd
		if err = json.Unmarshal(body, &c); err == nil {
			resp = f.registerNode(c)
		}
	case cmdRemoveNode:
		var c removeNodeCmd
		if err = json.Unmarshal(body, &c); err == nil {
			resp = f.removeNode(c)
		}
	case cmdAlterPipe:
		var c alterPipeCmd
		if err = json.Unmarshal(body, &c); err == nil {
			resp = f.alterPipe(c)
		}
	default:
		err = fmt.Errorf("unknown command type %d", l.Data[0])
	}
	if err != nil {
		panic(fmt.Sprintf("BUG: confignode entry %d does not decode: %v", l.Index, err))
	}
	return resp
}

func (f *fsm) createDatabase(c createDatabaseCmd) any {
	for name := range f.state.Databases {
		if name == c.Name {
			return status.Errorf(status.DatabaseAlreadyExists, "database %s already exists", c.Name)
		}
		if strings.HasPrefix(c.Name, name+".") || strings.HasPrefix(name, c.Name+".") {
			return status.Errorf(status.DatabaseAlreadyExists, "database %s overlaps existing database %s", c.Name, name)
		}
	}
	db := &Database{Name: c.Name, SlotNum: c.SlotNum}
	for i := range c.Regions {
		replicas := c.Replicas
		if i < len(c.Placement) {
			replicas = c.Placement[i]
		}
		id := f.state.NextRegionID
		f.state.NextRegionID++
		f.state.Regions[id] = &Region{ID: id, Database: c.Name, Replicas: append([]uint32(nil), replicas...)}
		db.Regions = append(db.Regions, id)
	}
	f.state.Databases[c.Name] = db
	return db.Name
}

func (f *fsm) dropDatabase(name string) any {
	db := f.state.Databases[name]
	if db == nil {
		return status.Errorf(status.DatabaseNotExist, "database %s does not exist", name)
	}
	for _, id := range db.Regions {
		delete(f.state.Regions, id)
	}
	delete(f.state.Databases, name)
	return nil
}

func (f *fsm) setTTL(c setTTLCmd) any {
	db := f.state.Databases[c.Name]
	if db == nil {
		return status.Errorf(status.DatabaseNotExist, "database %s does not exist", c.Name)
	}
	db.TTL = c.TTL
	return nil
}

func (f *fsm) grant(grant bool, c grantCmd) any {
	privs := make([]auth.Privilege, 0, len(c.Privileges))
	for _, p := range c.Privileges {
		pv, err := auth.ParsePrivilege(p)
		if err != nil {
			return err
		}
		privs = append(privs, pv)
	}
	switch {
	case c.Role != "" && grant:
		return f.state.Auth.GrantToRole(c.Role, privs, c.Paths, c.GrantOption)
	case c.Role != "":
		return f.state.Auth.RevokeFromRole(c.Role, privs, c.Paths)
	case grant:
		return f.state.Auth.Grant(c.User, privs, c.Paths, c.GrantOption)
	}
	return f.state.Auth.Revoke(c.User, privs, c.Paths)
}

// Snapshot implements raft.FSM by serialising the state while holding the
// lock; Persist only writes the bytes.
func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	b, err := json.Marshal(f.state)
	if err != nil {
		return nil, fmt.Errorf("encode confignode state: %w", err)
	}
	return snapshot(b), nil
}

// Restore implements raft.FSM: it decodes a whole state and swaps it in.
func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	st := newState()
	if err := json.NewDecoder(rc).Decode(st); err != nil {
		return fmt.Errorf("decode confignode snapshot: %w", err)
	}
	st.fill()
	f.mu.Lock()
	f.state = st
	f.notifyLocked()
	f.mu.Unlock()
	return nil
}

type snapshot []byte

func (s snapshot) Persist(sink raft.SnapshotSink) error {
	if _, err := sink.Write(s); err != nil {
		sink.Cancel()
		return fmt.Errorf("persist confignode snapshot: %w", err)
	}
	return sink.Close()
}

func (s snapshot) Release() {}
