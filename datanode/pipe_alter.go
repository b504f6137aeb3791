package datanode

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/sluicedb/sluice/confignode"
	"github.com/sluicedb/sluice/pipe/plugin"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// alterSyncTimeout bounds bringing the metadata copy up to date before
// ALTER PIPE reads the pipe's definition.
const alterSyncTimeout = 2 * time.Second

// keepsOwnersSecrets refuses an ALTER by a user other than the pipe's
// owner that would keep the owner's sink credentials (a password, a trust
// store password) without restating them: the alterer becomes the owner,
// and could then send those credentials to a receiver of their choosing,
// or write to the target under the owner's remote identity. sink is the
// merged sink, change the ALTER's SINK clause (nil when it has none).
func keepsOwnersSecrets(user, owner string, sink []ast.Attribute, change *ast.PipeChange) error {
	if user == owner {
		return nil
	}
	stated := map[ast.Attribute]bool{}
	if change != nil {
		for _, a := range change.Attributes {
			stated[a] = true
		}
	}
	for _, a := range sink {
		if plugin.IsSecretKey(a.Key) && !stated[a] {
			return status.Errorf(status.NoPermission, "the sink's %s is %s's, the pipe's owner: a user other than the owner must restate it in the SINK clause (or REPLACE SINK without it)", a.Key, owner)
		}
	}
	return nil
}

// alterPipe commits ALTER PIPE's new definition of a pipe, merged as
// plugin.Alter merges it and validated as CREATE PIPE validates one
// before anything changes; user becomes the pipe's owner. It returns the
// pipe's creation time, or 0 when there is nothing to change: a missing
// pipe under IF EXISTS, or a definition equal to the current one.
func (d *DataNode) alterPipe(ctx context.Context, user string, s *ast.AlterPipe) (int64, error) {
	// MODIFY merges into the current definition: read it as of now, not
	// from a copy that may lag behind a change made through another
	// DataNode. Should that fail, the copy serves: the ConfigNodes refuse
	// a definition computed from an outdated revision anyway.
	sctx, cancel := context.WithTimeout(ctx, alterSyncTimeout)
	if err := (agentMeta{Meta: d.meta, d: d}).Sync(sctx); err != nil {
		d.logger.Warn("alter pipe reads a metadata copy that may be behind", "pipe", s.Name, "err", err)
	}
	cancel()
	cur, ok := d.pipeNamed(s.Name)
	if !ok {
		if s.IfExists {
			return 0, nil
		}
		return 0, status.Errorf(status.PipeError, "Failed to alter pipe %s, the pipe does not exist", s.Name)
	}
	curSink, err := d.openSecrets(cur.Sink)
	if err != nil {
		return 0, fmt.Errorf("alter pipe %s: %w", s.Name, err)
	}
	source, err := plugin.Alter(plugin.StageSource, cur.Source, s.Source)
	if err != nil {
		return 0, fmt.Errorf("alter pipe %s: %w", s.Name, err)
	}
	processor, err := plugin.Alter(plugin.StageProcessor, cur.Processor, s.Processor)
	if err != nil {
		return 0, fmt.Errorf("alter pipe %s: %w", s.Name, err)
	}
	sink, err := plugin.Alter(plugin.StageSink, curSink, s.Sink)
	if err != nil {
		return 0, fmt.Errorf("alter pipe %s: %w", s.Name, err)
	}
	if slices.Equal(source, cur.Source) && slices.Equal(processor, cur.Processor) && slices.Equal(sink, curSink) {
		return 0, nil
	}
	if err := keepsOwnersSecrets(user, cur.Owner, sink, s.Sink); err != nil {
		return 0, fmt.Errorf("alter pipe %s: %w", s.Name, err)
	}
	scope, err := d.checkPipe(ctx, user, source, processor, sink)
	if err != nil {
		return 0, fmt.Errorf("alter pipe %s: %w", s.Name, err)
	}
	def := confignode.PipeDefinition{Source: source, Processor: processor, Sink: d.sealSecrets(sink), Owner: user, ReadScope: scope}
	if err := d.meta.AlterPipe(ctx, s.Name, cur.CreationTime, cur.Revision, def); err != nil {
		return 0, err
	}
	return cur.CreationTime, nil
}
