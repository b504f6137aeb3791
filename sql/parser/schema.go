package parser

import (
	"strings"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
)

// create reads the statements that start with CREATE.
func (p *parser) create() (ast.Statement, error) {
	kw, err := p.keyword("DATABASE", "STORAGE", "TIMESERIES", "ALIGNED", "USER", "PIPE", "ROLE")
	if err != nil {
		return nil, err
	}
	switch kw {
	case "DATABASE", "STORAGE":
		return p.createDatabase(kw == "STORAGE")
	case "TIMESERIES":
		return p.createTimeseries()
	case "ALIGNED":
		if err := p.expectKw("TIMESERIES"); err != nil {
			return nil, err
		}
		return p.createAlignedTimeseries()
	case "USER":
		return p.createUser()
	case "ROLE":
		name, err := p.roleName()
		if err != nil {
			return nil, err
		}
		return &ast.CreateRole{Name: name}, nil
	default:
		return p.createPipe()
	}
}

// drop reads the statements that start with DROP.
func (p *parser) drop() (ast.Statement, error) {
	kw, err := p.keyword("DATABASE", "STORAGE", "TIMESERIES", "USER", "PIPE", "ROLE")
	if err != nil {
		return nil, err
	}
	switch kw {
	case "DATABASE", "STORAGE":
		return p.dropDatabase(kw == "STORAGE")
	case "TIMESERIES":
		paths, err := p.fullPaths(true)
		if err != nil {
			return nil, err
		}
		return &ast.DeleteTimeseries{Patterns: paths}, nil
	case "USER":
		return p.dropUser()
	case "ROLE":
		name, err := p.roleName()
		if err != nil {
			return nil, err
		}
		return &ast.DropRole{Name: name}, nil
	default:
		return p.dropPipe()
	}
}

// set reads SET STORAGE GROUP TO p and SET TTL TO p n.
func (p *parser) set() (ast.Statement, error) {
	kw, err := p.keyword("STORAGE", "TTL")
	if err != nil {
		return nil, err
	}
	if kw == "STORAGE" {
		if err := p.expectKw("GROUP", "TO"); err != nil {
			return nil, err
		}
		return p.createDatabase(false)
	}
	if err := p.expectKw("TO"); err != nil {
		return nil, err
	}
	path, err := p.fullPath(true)
	if err != nil {
		return nil, err
	}
	t := p.peek()
	ttl, err := p.nonNegInt("a TTL in milliseconds")
	if err != nil {
		return nil, err
	}
	if ttl == 0 {
		return nil, p.errorf(t, "TTL must be positive")
	}
	return &ast.SetTTL{Path: path, TTL: ttl}, nil
}

// unsetTTL reads UNSET TTL TO p.
func (p *parser) unsetTTL() (ast.Statement, error) {
	if err := p.expectKw("TTL", "TO"); err != nil {
		return nil, err
	}
	path, err := p.fullPath(true)
	if err != nil {
		return nil, err
	}
	return &ast.UnsetTTL{Path: path}, nil
}

// flush reads FLUSH [paths] [true|false] [ON LOCAL|CLUSTER]; the sequence
// flag and the scope are accepted for compatibility and ignored.
func (p *parser) flush() (ast.Statement, error) {
	f := &ast.Flush{}
	if isRoot(p.peek()) {
		var err error
		if f.Databases, err = p.fullPaths(false); err != nil {
			return nil, err
		}
	}
	if !p.acceptKw("TRUE") {
		p.acceptKw("FALSE")
	}
	if p.acceptKw("ON") {
		if _, err := p.keyword("LOCAL", "CLUSTER"); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// createDatabase reads the path of CREATE DATABASE / CREATE STORAGE GROUP /
// SET STORAGE GROUP TO; storageGroup means GROUP still has to be read.
func (p *parser) createDatabase(storageGroup bool) (ast.Statement, error) {
	if storageGroup {
		if err := p.expectKw("GROUP"); err != nil {
			return nil, err
		}
	}
	path, err := p.fullPath(false)
	if err != nil {
		return nil, err
	}
	return &ast.CreateDatabase{Path: path}, nil
}

// dropDatabase reads the paths of DROP/DELETE DATABASE or STORAGE GROUP.
func (p *parser) dropDatabase(storageGroup bool) (ast.Statement, error) {
	if storageGroup {
		if err := p.expectKw("GROUP"); err != nil {
			return nil, err
		}
	}
	paths, err := p.fullPaths(true)
	if err != nil {
		return nil, err
	}
	return &ast.DropDatabase{Paths: paths}, nil
}

// createTimeseries reads path[(alias)] [WITH] [DATATYPE=]T [[,] key=value]...
func (p *parser) createTimeseries() (ast.Statement, error) {
	path, err := p.fullPath(false)
	if err != nil {
		return nil, err
	}
	c := &ast.CreateTimeseries{Path: path, Spec: ast.MeasurementSpec{Name: path.Last()}}
	if err := p.seriesAttributes(&c.Spec); err != nil {
		return nil, err
	}
	return c, nil
}

// createAlignedTimeseries reads device(m1 T [attrs], m2 ...).
func (p *parser) createAlignedTimeseries() (ast.Statement, error) {
	dev, err := p.fullPath(false)
	if err != nil {
		return nil, err
	}
	if err := p.expectPunct("("); err != nil {
		return nil, err
	}
	c := &ast.CreateAlignedTimeseries{Device: dev}
	seen := map[string]bool{}
	for {
		t := p.peek()
		name, err := p.node(false)
		if err != nil {
			return nil, err
		}
		if seen[name] {
			return nil, p.errorf(t, "duplicate measurement '%s'", p.raw(t))
		}
		seen[name] = true
		spec := ast.MeasurementSpec{Name: name}
		if err := p.seriesAttributes(&spec); err != nil {
			return nil, err
		}
		c.Measurements = append(c.Measurements, spec)
		if !p.acceptPunct(",") {
			break
		}
	}
	if err := p.expectPunct(")"); err != nil {
		return nil, p.unexpected(p.peek(), "','", "')'")
	}
	return c, nil
}

// seriesAttrKeys are the attributes CREATE TIMESERIES takes after the type.
var seriesAttrKeys = []string{"ENCODING", "COMPRESSOR", "COMPRESSION"}

func isSeriesAttrKey(t token) bool {
	for _, k := range seriesAttrKeys {
		if isKw(t, k) {
			return true
		}
	}
	return false
}

// seriesAttributes reads [(alias)] [WITH] [DATATYPE=]type then ENCODING=,
// COMPRESSOR= (or COMPRESSION=) in any order, optionally comma-separated,
// then [TAGS(...)] [ATTRIBUTES(...)].
func (p *parser) seriesAttributes(spec *ast.MeasurementSpec) error {
	if p.acceptPunct("(") {
		alias, err := p.name("an alias")
		if err != nil {
			return err
		}
		if err := p.expectPunct(")"); err != nil {
			return err
		}
		spec.Alias = alias
	}
	p.acceptKw("WITH")
	if p.acceptKw("DATATYPE") {
		if err := p.expectEq(); err != nil {
			return err
		}
	}
	t, v, err := p.attrValue("a data type")
	if err != nil {
		return err
	}
	if spec.Type, err = model.ParseDataType(v); err != nil {
		return p.errorf(t, "unknown data type '%s'", v)
	}
	for {
		// A comma separates attributes, or (in CREATE ALIGNED) measurements.
		if p.isPunct(",") && isSeriesAttrKey(p.peekAt(1)) && isEq(p.peekAt(2)) {
			p.next()
		}
		kt := p.peek()
		if isKw(kt, "TAGS") || isKw(kt, "ATTRIBUTES") {
			return p.tagClauses(&spec.Tags, &spec.Attributes)
		}
		if !isSeriesAttrKey(kt) || !isEq(p.peekAt(1)) {
			if isKw(kt, "DATATYPE") {
				return p.errorf(kt, "duplicate DATATYPE")
			}
			if kt.kind == tokIdent && isEq(p.peekAt(1)) {
				return p.errorf(kt, "unknown timeseries attribute '%s'", kt.text)
			}
			return nil
		}
		p.next()
		p.next() // =
		key := strings.ToUpper(kt.text)
		vt, v, err := p.attrValue("a value")
		if err != nil {
			return err
		}
		switch key {
		case "ENCODING":
			if spec.Encoding != nil {
				return p.errorf(kt, "duplicate ENCODING")
			}
			e, err := model.ParseEncoding(v)
			if err != nil {
				return p.errorf(vt, "unknown encoding '%s'", v)
			}
			spec.Encoding = &e
		default:
			if spec.Compressor != nil {
				return p.errorf(kt, "duplicate %s", key)
			}
			c, err := model.ParseCompressor(v)
			if err != nil {
				return p.errorf(vt, "unknown compressor '%s'", v)
			}
			spec.Compressor = &c
		}
	}
}

func isEq(t token) bool { return isPunct(t, "=") || isPunct(t, "==") }

func (p *parser) expectEq() error {
	if !isEq(p.peek()) {
		return p.unexpected(p.peek(), "'='")
	}
	p.next()
	return nil
}

// attrValue reads a name or a quoted string.
func (p *parser) attrValue(what string) (token, string, error) {
	t := p.peek()
	switch t.kind {
	case tokIdent, tokWord, tokString, tokQuoted:
		p.next()
		return t, t.text, nil
	}
	return t, "", p.unexpected(t, what)
}

// pagination reads [LIMIT n] [OFFSET n] in either order; limit is -1 when absent.
func (p *parser) pagination() (limit, offset int64, err error) {
	limit = -1
	seenLimit, seenOffset := false, false
	for {
		t := p.peek()
		switch {
		case isKw(t, "LIMIT") && !seenLimit:
			p.next()
			seenLimit = true
			if limit, err = p.positive("LIMIT"); err != nil {
				return 0, 0, err
			}
		case isKw(t, "OFFSET") && !seenOffset:
			p.next()
			seenOffset = true
			if offset, err = p.nonNegInt("an integer"); err != nil {
				return 0, 0, err
			}
		default:
			return limit, offset, nil
		}
	}
}

// countStmt reads COUNT TIMESERIES [p] [WHERE filter] [GROUP BY LEVEL = n],
// COUNT DEVICES [p], COUNT DATABASES [p] (or STORAGE GROUP) and COUNT NODES
// p LEVEL = n.
func (p *parser) countStmt() (ast.Statement, error) {
	kw, err := p.keyword("TIMESERIES", "DEVICES", "DATABASES", "STORAGE", "NODES")
	if err != nil {
		return nil, err
	}
	if kw == "STORAGE" {
		if err := p.expectKw("GROUP"); err != nil {
			return nil, err
		}
	}
	var path model.Path
	if kw == "NODES" {
		path, err = p.fullPath(true)
	} else {
		path, err = p.optPath()
	}
	if err != nil {
		return nil, err
	}
	switch kw {
	case "DEVICES":
		return &ast.CountDevices{Pattern: path}, nil
	case "DATABASES", "STORAGE":
		return &ast.CountDatabases{Pattern: path}, nil
	case "NODES":
		if err := p.expectKw("LEVEL"); err != nil {
			return nil, err
		}
		n, err := p.levelValue()
		if err != nil {
			return nil, err
		}
		return &ast.CountNodes{Pattern: path, Level: n}, nil
	}
	c := &ast.CountTimeseries{Pattern: path}
	if c.Where, err = p.seriesWhere(); err != nil {
		return nil, err
	}
	if p.acceptKw("GROUP") {
		if err := p.expectKw("BY", "LEVEL"); err != nil {
			return nil, err
		}
		if c.Level, err = p.levelValue(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// levelValue reads = n after LEVEL.
func (p *parser) levelValue() (int, error) {
	if err := p.expectEq(); err != nil {
		return 0, err
	}
	t := p.peek()
	n, err := p.nonNegInt("a level")
	if err != nil {
		return 0, err
	}
	if n > 1<<20 {
		return 0, p.errorf(t, "level %d is out of range", n)
	}
	return int(n), nil
}
