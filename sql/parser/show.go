package parser

import "github.com/sluicedb/sluice/sql/ast"

// showKeywords are the words that may follow SHOW.
var showKeywords = []string{"ALL", "CHILD", "CLUSTER", "CONFIGNODES", "DATA", "DATABASES", "DATANODES",
	"DEVICES", "PIPE", "PIPEPLUGINS", "PIPES", "REGIONS", "SCHEMA", "STORAGE", "TIMESERIES",
	"TTL", "VERSION", "QUERIES"}

// show reads the statements that start with SHOW.
func (p *parser) show() (ast.Statement, error) {
	kw, err := p.keyword(showKeywords...)
	if err != nil {
		return nil, err
	}
	switch kw {
	case "DATABASES", "STORAGE":
		if kw == "STORAGE" {
			if _, err := p.keyword("GROUP", "GROUPS"); err != nil {
				return nil, err
			}
		}
		path, err := p.optPath()
		if err != nil {
			return nil, err
		}
		return &ast.ShowDatabases{Pattern: path}, nil
	case "TIMESERIES", "DEVICES":
		path, err := p.optPath()
		if err != nil {
			return nil, err
		}
		withDB := kw == "DEVICES" && p.isKw("WITH")
		if withDB {
			p.next()
			db, err := p.keyword("DATABASE", "STORAGE")
			if err != nil {
				return nil, err
			}
			if db == "STORAGE" {
				if err := p.expectKw("GROUP"); err != nil {
					return nil, err
				}
			}
		}
		var where *ast.SeriesFilter
		if kw == "TIMESERIES" {
			if where, err = p.seriesWhere(); err != nil {
				return nil, err
			}
		}
		limit, offset, err := p.pagination()
		if err != nil {
			return nil, err
		}
		if kw == "DEVICES" {
			return &ast.ShowDevices{Pattern: path, WithDatabase: withDB, Limit: limit, Offset: offset}, nil
		}
		return &ast.ShowTimeseries{Pattern: path, Where: where, Limit: limit, Offset: offset}, nil
	case "TTL":
		if !p.acceptKw("ON") {
			return &ast.ShowTTL{}, nil
		}
		paths, err := p.fullPaths(true)
		if err != nil {
			return nil, err
		}
		return &ast.ShowTTL{Paths: paths}, nil
	case "ALL":
		if err := p.expectKw("TTL"); err != nil {
			return nil, err
		}
		return &ast.ShowTTL{}, nil
	case "VERSION":
		return &ast.ShowVersion{}, nil
	case "CHILD":
		what, err := p.keyword("PATHS", "NODES")
		if err != nil {
			return nil, err
		}
		path, err := p.optPath()
		if err != nil {
			return nil, err
		}
		if what == "PATHS" {
			return &ast.ShowChildPaths{Pattern: path}, nil
		}
		return &ast.ShowChildNodes{Pattern: path}, nil
	case "PIPES", "PIPE":
		return p.showPipes(kw == "PIPE")
	case "PIPEPLUGINS":
		return &ast.ShowPipePlugins{}, nil
	case "CLUSTER":
		return &ast.ShowCluster{Details: p.acceptKw("DETAILS")}, nil
	case "CONFIGNODES":
		return &ast.ShowConfigNodes{}, nil
	case "DATANODES":
		return &ast.ShowDataNodes{}, nil
	case "REGIONS":
		return &ast.ShowRegions{}, nil
	case "QUERIES":
		return p.showQueries()
	default: // DATA, SCHEMA
		if err := p.expectKw("REGIONS"); err != nil {
			return nil, err
		}
		return &ast.ShowRegions{Kind: kw}, nil
	}
}

// removeConfigNode reads REMOVE CONFIGNODE id.
func (p *parser) removeConfigNode() (ast.Statement, error) {
	if err := p.expectKw("CONFIGNODE"); err != nil {
		return nil, err
	}
	id, err := p.nonNegInt("a ConfigNode id")
	if err != nil {
		return nil, err
	}
	return &ast.RemoveConfigNode{NodeID: id}, nil
}
