package datanode

import (
	"context"
	"sort"

	"github.com/sluicedb/sluice/confignode"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
)

// Node types of SHOW CHILD PATHS, as IoTDB 1.3 names them, by precedence:
// a node that is two kinds (a database holding series, say) shows the
// higher.
const (
	nodeSGInternal = iota // above a database
	nodeInternal          // between a database and a device
	nodeTimeseries
	nodeDevice
	nodeDatabase
	nodeRoot
)

var nodeTypeNames = [...]string{"SG INTERNAL", "INTERNAL", "TIMESERIES", "DEVICE", "DATABASE", "ROOT"}

// schemaTree is the tree of a user's visible databases and series, keyed by
// node path, for the statements that walk it.
type schemaTree struct {
	nodes    map[string]*treeNode
	children map[string][]*treeNode // parent path -> children
}

type treeNode struct {
	path model.Path
	kind int
}

func (t *schemaTree) add(p model.Path, kind int) {
	k := p.String()
	if n, ok := t.nodes[k]; ok {
		n.kind = max(n.kind, kind)
		return
	}
	n := &treeNode{path: p, kind: kind}
	t.nodes[k] = n
	if len(p) > 1 {
		parent := p[:len(p)-1].String()
		t.children[parent] = append(t.children[parent], n)
	}
}

// schemaTree builds the tree of what user may see.
func (d *DataNode) schemaTree(ctx context.Context, user string) (*schemaTree, error) {
	series, err := d.visibleSeries(ctx, user, nil)
	if err != nil {
		return nil, err
	}
	t := &schemaTree{nodes: map[string]*treeNode{}, children: map[string][]*treeNode{}}
	t.add(model.Path{"root"}, nodeRoot)
	dbs := map[string]model.Path{}
	for _, db := range d.matchingDatabases(user, nil) {
		if p, err := model.ParsePath(db.Name); err == nil {
			dbs[db.Name] = p
			t.addDatabase(p)
		}
	}
	for _, s := range series {
		below := 1 // the nodes after root and the database are INTERNAL
		if db, ok := dbs[s.Database]; ok {
			below = len(db)
		} else if db, err := model.ParsePath(s.Database); err == nil && s.Path.HasPrefix(db) {
			dbs[s.Database] = db // a database the user sees only through its series
			t.addDatabase(db)
			below = len(db)
		}
		for i := below + 1; i < len(s.Path)-1; i++ {
			t.add(s.Path[:i], nodeInternal)
		}
		t.add(s.Device(), nodeDevice)
		t.add(s.Path, nodeTimeseries)
	}
	return t, nil
}

// addDatabase adds database p and the SG INTERNAL nodes above it.
func (t *schemaTree) addDatabase(p model.Path) {
	for i := 2; i < len(p); i++ {
		t.add(p[:i], nodeSGInternal)
	}
	t.add(p, nodeDatabase)
}

// matching returns the nodes that match pattern, root by default.
func (t *schemaTree) matching(pattern model.Path) []*treeNode {
	if pattern == nil {
		pattern = model.Path{"root"}
	}
	var out []*treeNode
	for _, n := range t.nodes {
		if n.path.Matches(pattern) {
			out = append(out, n)
		}
	}
	return out
}

// childrenOf returns the children of the nodes matching pattern, each once,
// in path order.
func (t *schemaTree) childrenOf(pattern model.Path) []*treeNode {
	var out []*treeNode
	for _, n := range t.matching(pattern) {
		out = append(out, t.children[n.path.String()]...)
	}
	sort.Slice(out, func(i, j int) bool { return comparePaths(out[i].path, out[j].path) < 0 })
	return out
}

// showChildPaths answers SHOW CHILD PATHS: the full paths one level below
// the nodes the pattern matches, with their node types.
func (d *DataNode) showChildPaths(ctx context.Context, user string, s *ast.ShowChildPaths) (*model.Result, error) {
	t, err := d.schemaTree(ctx, user)
	if err != nil {
		return nil, err
	}
	var rows [][]string
	for _, n := range t.childrenOf(s.Pattern) {
		rows = append(rows, []string{n.path.String(), nodeTypeNames[n.kind]})
	}
	return textResult([]string{"ChildPaths", "NodeTypes"}, rows), nil
}

// showChildNodes answers SHOW CHILD NODES: the distinct names of those
// children, sorted.
func (d *DataNode) showChildNodes(ctx context.Context, user string, s *ast.ShowChildNodes) (*model.Result, error) {
	t, err := d.schemaTree(ctx, user)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var names []string
	for _, n := range t.childrenOf(s.Pattern) {
		if name := n.path.Last(); !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	sort.Strings(names)
	rows := make([][]string, len(names))
	for i, name := range names {
		rows[i] = []string{name}
	}
	return textResult([]string{"ChildNodes"}, rows), nil
}

// countNodes answers COUNT NODES pattern LEVEL = n: the nodes at level n
// that match the pattern or lie above a node that does.
func (d *DataNode) countNodes(ctx context.Context, user string, s *ast.CountNodes) (*model.Result, error) {
	t, err := d.schemaTree(ctx, user)
	if err != nil {
		return nil, err
	}
	at := map[string]bool{}
	for _, n := range t.matching(s.Pattern) {
		if len(n.path) > s.Level {
			at[n.path[:s.Level+1].String()] = true
		}
	}
	return countResult("count(nodes)", nil, []int64{int64(len(at))}), nil
}

// countDatabases answers COUNT DATABASES: an INT32 count, as IoTDB types it.
func (d *DataNode) countDatabases(user string, pattern model.Path) *model.Result {
	n := len(d.matchingDatabases(user, pattern))
	c := model.NewColumn(model.Int32, 1)
	c.Append(int32(n))
	return &model.Result{Columns: []string{"count(database)"}, Types: []model.DataType{model.Int32},
		Rows: model.NewSliceRows(model.Batch{Columns: []model.Column{c}})}
}

// matchingDatabases lists the databases that pattern (root.** when nil)
// matches or, without wildcards, lies above, which user may see.
func (d *DataNode) matchingDatabases(user string, pattern model.Path) []confignode.Database {
	if pattern == nil {
		pattern = model.Path{"root", model.MultiLevel}
	}
	var out []confignode.Database
	for _, db := range d.meta.Databases() {
		p, err := model.ParsePath(db.Name)
		if err != nil || !(p.Matches(pattern) || p.HasPrefix(pattern) && !pattern.HasWildcard()) {
			continue
		}
		if !d.meta.Allowed(user, privReadSchema, p.Append(model.MultiLevel)) && !d.meta.Allowed(user, privManageDatabase, p) {
			continue
		}
		out = append(out, db)
	}
	return out
}
