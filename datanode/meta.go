package datanode

import (
	"context"

	"github.com/sluicedb/sluice/auth"
	"github.com/sluicedb/sluice/confignode"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
)

// Meta is the cluster metadata as a DataNode uses it. In a standalone
// process it is the in-process ConfigNode; in a cluster a
// confignode.Client.
type Meta interface {
	RegisterDataNode(ctx context.Context, info confignode.NodeInfo, clusterID string) (uint32, string, error)
	Heartbeat(ctx context.Context, node uint32, led []uint32, pipes *confignode.PipeReport) (uint64, error)
	ClusterStatus(ctx context.Context) (confignode.ClusterStatus, error)
	DataNodes() []confignode.NodeInfo
	RemoveConfigNode(ctx context.Context, id uint32) error

	CreateDatabase(ctx context.Context, name string) error
	DropDatabase(ctx context.Context, name string) error
	SetTTL(ctx context.Context, name string, ttl int64) error
	Databases() []confignode.Database
	Regions() []confignode.Region

	CreateUser(ctx context.Context, name, password string) error
	DropUser(ctx context.Context, name string) error
	SetPassword(ctx context.Context, name, password string) error
	Grant(ctx context.Context, user string, privs []string, paths []model.Path, grantOption bool) error
	Revoke(ctx context.Context, user string, privs []string, paths []model.Path) error
	Authenticate(user, password string) error
	Credential(user string) (string, error)
	Allowed(user string, p auth.Privilege, path model.Path) bool
	Users() []string
	Privileges(user string) ([]auth.Grant, error)

	CreateRole(ctx context.Context, name string) error
	DropRole(ctx context.Context, name string) error
	GrantRole(ctx context.Context, role, user string) error
	RevokeRole(ctx context.Context, role, user string) error
	GrantToRole(ctx context.Context, role string, privs []string, paths []model.Path, grantOption bool) error
	RevokeFromRole(ctx context.Context, role string, privs []string, paths []model.Path) error
	Roles() []string
	RolesOf(user string) ([]string, error)
	UsersOf(role string) ([]string, error)
	RolePrivileges(role string) ([]auth.Grant, error)
	MayGrant(user string, privs []string, paths []model.Path) bool

	ClusterID() string
	StateIndex() uint64
	WaitIndex(ctx context.Context, min uint64) error
	CreatePipe(ctx context.Context, name, owner string, scope model.Path, source, processor, sink []ast.Attribute) error
	AlterPipe(ctx context.Context, name string, created int64, revision uint64, def confignode.PipeDefinition) error
	StartPipe(ctx context.Context, name string) error
	StopPipe(ctx context.Context, name string) error
	DropPipe(ctx context.Context, name string) error
	ReportPipeException(ctx context.Context, name, message string, stop bool) error
	FailPipe(ctx context.Context, name string, created int64, revision uint64, message string) error
	CommitPipeProgress(ctx context.Context, name string, created int64, progress map[uint32]confignode.Progress) error
	Pipes() []confignode.Pipe
	PipeStatistics(ctx context.Context) ([]confignode.PipeStats, error)
}
