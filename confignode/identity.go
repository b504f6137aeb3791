package confignode

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Identity is what a cluster node keeps in its data dir to come back as
// itself: its node id and the cluster it belongs to.
type Identity struct {
	NodeID    uint32 `json:"node_id"`
	ClusterID string `json:"cluster_id"`
}

const identityFile = "node.json"

// LoadIdentity reads dir's identity; found is false in a new data dir.
func LoadIdentity(dir string) (Identity, bool, error) {
	b, err := os.ReadFile(filepath.Join(dir, identityFile))
	if errors.Is(err, fs.ErrNotExist) {
		return Identity{}, false, nil
	}
	if err != nil {
		return Identity{}, false, fmt.Errorf("read node identity: %w", err)
	}
	var id Identity
	if err := json.Unmarshal(b, &id); err != nil {
		return Identity{}, false, fmt.Errorf("node identity %s is corrupt: %w", filepath.Join(dir, identityFile), err)
	}
	return id, true, nil
}

// SaveIdentity writes dir's identity atomically.
func SaveIdentity(dir string, id Identity) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	b, _ := json.Marshal(id)
	tmp := filepath.Join(dir, identityFile+".tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("write node identity: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("write node identity: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync node identity: %w", err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, identityFile))
}
