package confignode

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/sluicedb/sluice/auth"
	"github.com/sluicedb/sluice/consensus"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/status"
)

// Config configures a ConfigNode.
type Config struct {
	// ID is this ConfigNode's id in its Raft group.
	ID string
	// Dir holds the node's Raft log and snapshots.
	Dir string
	// SlotNum is series_slot_num, fixed per database at its creation.
	SlotNum int
	// RegionsPerDatabase is how many data regions a new database gets.
	RegionsPerDatabase int
	// Timeout bounds Raft heartbeats and elections; a single-voter group
	// can use a short one.
	Timeout time.Duration
}

// ConfigNode serves the cluster metadata.
type ConfigNode struct {
	cfg     Config
	logger  *slog.Logger
	metrics *consensus.Metrics
	fsm     *fsm
	group   *consensus.Group
}

// New returns a ConfigNode; Start opens its Raft group.
func New(cfg Config, logger *slog.Logger, m *consensus.Metrics) *ConfigNode {
	if cfg.SlotNum <= 0 {
		cfg.SlotNum = 1000
	}
	if cfg.RegionsPerDatabase <= 0 {
		cfg.RegionsPerDatabase = 2
	}
	return &ConfigNode{cfg: cfg, logger: logger.With("component", "confignode"), metrics: m, fsm: newFSM()}
}

// Start opens the Raft group and waits until it has a leader and this node
// has applied everything committed before.
func (c *ConfigNode) Start(ctx context.Context) error {
	g, err := consensus.Open(consensus.Config{
		Name: "confignode", ID: c.cfg.ID, Dir: filepath.Join(c.cfg.Dir, "raft"),
		SnapshotThreshold: 1024, TrailingLogs: 256, Timeout: c.cfg.Timeout,
	}, c.fsm, c.logger, c.metrics)
	if err != nil {
		return fmt.Errorf("confignode: %w", err)
	}
	c.group = g
	if err := g.WaitLeader(ctx); err != nil {
		return err
	}
	if g.IsLeader() {
		if err := g.Barrier(ctx); err != nil {
			return err
		}
	}
	return c.ensureClusterID(ctx)
}

// Close stops the node. It is idempotent.
func (c *ConfigNode) Close() error {
	if c.group == nil {
		return nil
	}
	return c.group.Close()
}

func (c *ConfigNode) apply(ctx context.Context, cmd []byte) (any, error) {
	resp, err := c.group.Apply(ctx, cmd)
	if err != nil {
		if status.CodeOf(err) == status.InternalServerError {
			return nil, status.Errorf(status.ConsensusNotInitialized, "metadata not committed: %w", err)
		}
		return nil, err
	}
	return resp, nil
}

// CreateDatabase commits a new database with its data regions placed on
// the given DataNodes.
func (c *ConfigNode) CreateDatabase(ctx context.Context, name string, replicas []uint32) error {
	_, err := c.apply(ctx, encode(cmdCreateDatabase, createDatabaseCmd{
		Name: name, Regions: c.cfg.RegionsPerDatabase, SlotNum: c.cfg.SlotNum, Replicas: replicas}))
	return err
}

// DropDatabase removes a database and its regions from the metadata.
func (c *ConfigNode) DropDatabase(ctx context.Context, name string) error {
	_, err := c.apply(ctx, encode(cmdDropDatabase, dropDatabaseCmd{Name: name}))
	return err
}

// SetTTL sets a database's time to live in milliseconds (0: forever).
func (c *ConfigNode) SetTTL(ctx context.Context, name string, ttl int64) error {
	_, err := c.apply(ctx, encode(cmdSetTTL, setTTLCmd{Name: name, TTL: ttl}))
	return err
}

// Databases lists the databases.
func (c *ConfigNode) Databases() []Database {
	var out []Database
	c.fsm.read(func(s *State) { out = s.DatabaseList() })
	return out
}

// Regions lists the data regions.
func (c *ConfigNode) Regions() []Region {
	var out []Region
	c.fsm.read(func(s *State) { out = s.RegionList() })
	return out
}

// CreateUser commits a new user; the password is hashed here, before the
// command, so the state machine stays deterministic.
func (c *ConfigNode) CreateUser(ctx context.Context, name, password string) error {
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	_, err = c.apply(ctx, encode(cmdCreateUser, userCmd{Name: name, Hash: hash}))
	return err
}

// DropUser removes a user.
func (c *ConfigNode) DropUser(ctx context.Context, name string) error {
	_, err := c.apply(ctx, encode(cmdDropUser, userCmd{Name: name}))
	return err
}

// SetPassword changes a user's password.
func (c *ConfigNode) SetPassword(ctx context.Context, name, password string) error {
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	_, err = c.apply(ctx, encode(cmdSetPassword, userCmd{Name: name, Hash: hash}))
	return err
}

// Grant gives user privileges on paths.
func (c *ConfigNode) Grant(ctx context.Context, user string, privs []string, paths []model.Path) error {
	_, err := c.apply(ctx, encode(cmdGrant, grantCmd{User: user, Privileges: privs, Paths: paths}))
	return err
}

// Revoke takes privileges on paths away from user.
func (c *ConfigNode) Revoke(ctx context.Context, user string, privs []string, paths []model.Path) error {
	_, err := c.apply(ctx, encode(cmdRevoke, grantCmd{User: user, Privileges: privs, Paths: paths}))
	return err
}

// Authenticate checks a user's password.
func (c *ConfigNode) Authenticate(user, password string) error {
	var err error
	c.fsm.read(func(s *State) { err = s.Auth.Authenticate(user, password) })
	return err
}

// Allowed reports whether user holds privilege p on path; for a pattern,
// on every path it can match.
func (c *ConfigNode) Allowed(user string, p auth.Privilege, path model.Path) bool {
	var ok bool
	c.fsm.read(func(s *State) {
		if path.HasWildcard() {
			ok = s.Auth.AllowedPattern(user, p, path)
		} else {
			ok = s.Auth.Allowed(user, p, path)
		}
	})
	return ok
}

// Users lists user names.
func (c *ConfigNode) Users() []string {
	var out []string
	c.fsm.read(func(s *State) { out = s.Auth.Users() })
	return out
}

// Privileges lists a user's grants.
func (c *ConfigNode) Privileges(user string) ([]auth.Grant, error) {
	var out []auth.Grant
	var err error
	c.fsm.read(func(s *State) { out, err = s.Auth.Privileges(user) })
	return out, err
}
