package datanode

import (
	"context"
	"hash/fnv"

	"github.com/sluicedb/sluice/confignode"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/status"
)

// autoDatabaseLevel is how many nodes below root an auto-created database
// spans (IoTDB's default_storage_group_level = 1: root.x).
const autoDatabaseLevel = 1

// databaseOf returns the database that owns device p, if any.
func databaseOf(dbs []confignode.Database, p model.Path) (confignode.Database, bool) {
	for _, db := range dbs {
		dp, err := model.ParsePath(db.Name)
		if err != nil {
			continue
		}
		if p.HasPrefix(dp) && len(p) > len(dp) {
			return db, true
		}
	}
	return confignode.Database{}, false
}

// slotOf hashes a device into one of slotNum series slots.
func slotOf(device model.Path, slotNum int) int {
	h := fnv.New32a()
	for i, n := range device {
		if i > 0 {
			h.Write([]byte{'.'})
		}
		h.Write([]byte(n))
	}
	return int(h.Sum32() % uint32(slotNum))
}

// regionOf returns the region of db that owns device p.
func regionOf(db confignode.Database, p model.Path) uint32 {
	slot := slotOf(p, max(db.SlotNum, 1))
	return db.Regions[slot%len(db.Regions)]
}

// resolveDatabase finds device p's database, creating root.<first node>
// when auto-creation allows it.
func (d *DataNode) resolveDatabase(ctx context.Context, p model.Path) (confignode.Database, error) {
	if db, ok := databaseOf(d.meta.Databases(), p); ok {
		return db, nil
	}
	if !d.cfg.AutoCreateSchema {
		return confignode.Database{}, status.Errorf(status.DatabaseNotExist, "database of %s does not exist (auto-creation of schema is disabled)", p)
	}
	if len(p) < autoDatabaseLevel+2 {
		return confignode.Database{}, status.Errorf(status.IllegalPath, "device %s is too short to derive a database", p)
	}
	name := p[:autoDatabaseLevel+1].String()
	if err := d.createDatabase(ctx, name); err != nil {
		if status.CodeOf(err) != status.DatabaseAlreadyExists {
			return confignode.Database{}, err
		}
		// A concurrent writer created it (the refusal came once this node's
		// copy of the metadata lists it): make sure its regions are open here.
		if err := d.reconcile(ctx); err != nil {
			return confignode.Database{}, err
		}
	}
	if db, ok := databaseOf(d.meta.Databases(), p); ok {
		return db, nil
	}
	return confignode.Database{}, status.Errorf(status.DatabaseNotExist, "database of %s does not exist", p)
}

// createDatabase commits a database; the regions placed here open now,
// the others on their DataNodes within a heartbeat.
func (d *DataNode) createDatabase(ctx context.Context, name string) error {
	if err := d.meta.CreateDatabase(ctx, name); err != nil {
		return err
	}
	return d.reconcile(ctx)
}
