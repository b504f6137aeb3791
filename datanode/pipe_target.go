package datanode

import (
	"context"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe/receiver"
)

// pipeTarget is the DataNode as a pipe receiver writes into it.
type pipeTarget struct{ d *DataNode }

var _ receiver.Target = pipeTarget{}

func (t pipeTarget) ClusterID() string { return t.d.meta.ClusterID() }

func (t pipeTarget) Login(ctx context.Context, user, password string) error {
	return t.d.Login(ctx, user, password)
}

func (t pipeTarget) Credential(user string) (string, error) { return t.d.meta.Credential(user) }

// Authorize checks WRITE_DATA on every device the transfer writes.
func (t pipeTarget) Authorize(user string, tablets []*model.Tablet) error {
	for _, tb := range tablets {
		if err := t.d.require(user, privWriteData, tb.Device.Append(model.MultiLevel)); err != nil {
			return err
		}
	}
	return nil
}

// Insert applies transferred writes, marked with their origin so that this
// cluster's pipes do not send them back. Writes that originated here are
// already here: they are acknowledged without applying them again.
func (t pipeTarget) Insert(ctx context.Context, tablets []*model.Tablet, origin string) error {
	if origin != "" && origin == t.d.meta.ClusterID() {
		return nil
	}
	return t.d.Insert(ctx, tablets, origin)
}
