package confignode

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/sluicedb/sluice/auth"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
)

// Meta is the cluster metadata as nodes use it: reads come from a local copy
// of the state, changes are committed through the ConfigNode Raft group.
// The ConfigNode itself and the Client of a remote DataNode both offer it.
type Meta struct {
	// commit replicates one command and returns its JSON-encoded result
	// once the local copy of the state reflects it.
	commit func(ctx context.Context, cmd []byte) (json.RawMessage, error)
	// read runs fn on the local copy of the state.
	read func(fn func(*State))
	// wait blocks until the local copy reflects at least an index.
	wait func(ctx context.Context, min uint64) error
}

// StateIndex is the index of the last command the local copy reflects: a
// change this node committed has an index no greater once it returned.
func (m *Meta) StateIndex() uint64 {
	var i uint64
	m.read(func(s *State) { i = s.Index })
	return i
}

// WaitIndex blocks until the local copy reflects at least index min, or
// ctx ends.
func (m *Meta) WaitIndex(ctx context.Context, min uint64) error {
	return m.wait(ctx, min)
}

// CreateDatabase commits a new database; the ConfigNode leader places its
// data regions on the running DataNodes.
func (m *Meta) CreateDatabase(ctx context.Context, name string) error {
	_, err := m.commit(ctx, encode(cmdCreateDatabase, createDatabaseCmd{Name: name}))
	return err
}

// DataNodes lists the registered DataNodes by id.
func (m *Meta) DataNodes() []NodeInfo {
	var out []NodeInfo
	m.read(func(s *State) { out = nodeList(s.DataNodes) })
	return out
}

// DropDatabase removes a database and its regions from the metadata.
func (m *Meta) DropDatabase(ctx context.Context, name string) error {
	_, err := m.commit(ctx, encode(cmdDropDatabase, dropDatabaseCmd{Name: name}))
	return err
}

// SetTTL sets a database's time to live in milliseconds (0: forever).
func (m *Meta) SetTTL(ctx context.Context, name string, ttl int64) error {
	_, err := m.commit(ctx, encode(cmdSetTTL, setTTLCmd{Name: name, TTL: ttl}))
	return err
}

// Databases lists the databases.
func (m *Meta) Databases() []Database {
	var out []Database
	m.read(func(s *State) { out = s.DatabaseList() })
	return out
}

// Regions lists the data regions.
func (m *Meta) Regions() []Region {
	var out []Region
	m.read(func(s *State) { out = s.RegionList() })
	return out
}

// CreateUser commits a new user; the password is hashed here, before the
// command, so the state machine stays deterministic.
func (m *Meta) CreateUser(ctx context.Context, name, password string) error {
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	_, err = m.commit(ctx, encode(cmdCreateUser, userCmd{Name: name, Hash: hash}))
	return err
}

// DropUser removes a user.
func (m *Meta) DropUser(ctx context.Context, name string) error {
	_, err := m.commit(ctx, encode(cmdDropUser, userCmd{Name: name, Time: time.Now().UnixMilli()}))
	return err
}

// SetPassword changes a user's password.
func (m *Meta) SetPassword(ctx context.Context, name, password string) error {
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	_, err = m.commit(ctx, encode(cmdSetPassword, userCmd{Name: name, Hash: hash}))
	return err
}

// Grant gives user privileges on paths, WITH GRANT OPTION when
// grantOption is set.
func (m *Meta) Grant(ctx context.Context, user string, privs []string, paths []model.Path, grantOption bool) error {
	_, err := m.commit(ctx, encode(cmdGrant, grantCmd{User: user, Privileges: privs, Paths: paths, GrantOption: grantOption}))
	return err
}

// Revoke takes privileges on paths away from user.
func (m *Meta) Revoke(ctx context.Context, user string, privs []string, paths []model.Path) error {
	_, err := m.commit(ctx, encode(cmdRevoke, grantCmd{User: user, Privileges: privs, Paths: paths, Time: time.Now().UnixMilli()}))
	return err
}

// Credential is the stamp of a user's current password (auth.State.Credential).
func (m *Meta) Credential(user string) (string, error) {
	var (
		stamp string
		err   error
	)
	m.read(func(s *State) { stamp, err = s.Auth.Credential(user) })
	return stamp, err
}

// Authenticate checks a user's password.
func (m *Meta) Authenticate(user, password string) error {
	var err error
	m.read(func(s *State) { err = s.Auth.Authenticate(user, password) })
	return err
}

// Allowed reports whether user holds privilege p on path; for a pattern,
// on every path it can match.
func (m *Meta) Allowed(user string, p auth.Privilege, path model.Path) bool {
	var ok bool
	m.read(func(s *State) {
		if path.HasWildcard() {
			ok = s.Auth.AllowedPattern(user, p, path)
		} else {
			ok = s.Auth.Allowed(user, p, path)
		}
	})
	return ok
}

// Users lists user names.
func (m *Meta) Users() []string {
	var out []string
	m.read(func(s *State) { out = s.Auth.Users() })
	return out
}

// Privileges lists a user's grants.
func (m *Meta) Privileges(user string) ([]auth.Grant, error) {
	var out []auth.Grant
	var err error
	m.read(func(s *State) { out, err = s.Auth.Privileges(user) })
	return out, err
}

// ClusterID is this cluster's id, fixed when its ConfigNode group first
// starts. Pipes carry it so that no write is sent back where it came from.
func (m *Meta) ClusterID() string {
	var id string
	m.read(func(s *State) { id = s.ClusterID })
	return id
}

// CreatePipe commits a new pipe, RUNNING from the start, owned by owner,
// who must hold READ_DATA on scope (what its source selects).
func (m *Meta) CreatePipe(ctx context.Context, name, owner string, scope model.Path, source, processor, sink []ast.Attribute) error {
	_, err := m.commit(ctx, encode(cmdCreatePipe, Pipe{Name: name, CreationTime: time.Now().UnixMilli(),
		Source: source, Processor: processor, Sink: sink, Owner: owner, ReadScope: scope}))
	return err
}

// StartPipe sets a pipe RUNNING; its tasks resume from committed progress.
func (m *Meta) StartPipe(ctx context.Context, name string) error {
	_, err := m.commit(ctx, encode(cmdStartPipe, pipeNameCmd{Name: name}))
	return err
}

// StopPipe sets a pipe STOPPED.
func (m *Meta) StopPipe(ctx context.Context, name string) error {
	_, err := m.commit(ctx, encode(cmdStopPipe, pipeNameCmd{Name: name}))
	return err
}

// DropPipe removes a pipe and its progress.
func (m *Meta) DropPipe(ctx context.Context, name string) error {
	_, err := m.commit(ctx, encode(cmdDropPipe, pipeNameCmd{Name: name}))
	return err
}

// ReportPipeException records a pipe's latest error; stop also sets it
// STOPPED.
func (m *Meta) ReportPipeException(ctx context.Context, name, message string, stop bool) error {
	_, err := m.commit(ctx, encode(cmdPipeException, pipeExceptionCmd{Name: name, Message: message,
		Time: time.Now().UnixMilli(), Stop: stop}))
	return err
}

// FailPipe stops the pipe with message as its exception, unless it has
// been altered, dropped or re-created since the definition (created,
// revision) that failed: a task of the old definition failing after an
// ALTER PIPE does not stop the new one.
func (m *Meta) FailPipe(ctx context.Context, name string, created int64, revision uint64, message string) error {
	_, err := m.commit(ctx, encode(cmdPipeException, pipeExceptionCmd{Name: name, Message: message,
		Time: time.Now().UnixMilli(), Stop: true, Created: created, Revision: revision}))
	return err
}

// CommitPipeProgress records region tasks' commit frontiers in one entry.
// created names the pipe's incarnation: progress of a dropped pipe never
// lands on a new pipe of the same name.
func (m *Meta) CommitPipeProgress(ctx context.Context, name string, created int64, progress map[uint32]Progress) error {
	_, err := m.commit(ctx, encode(cmdCommitProgress, pipeProgressCmd{Name: name, Created: created, Progress: progress}))
	return err
}

// Pipes lists the pipes sorted by name, as copies.
func (m *Meta) Pipes() []Pipe {
	var out []Pipe
	m.read(func(s *State) {
		for _, p := range s.Pipes {
			out = append(out, p.clone())
		}
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
