package parser

import (
	"strconv"
	"strings"

	"github.com/sluicedb/sluice/sql/ast"
)

// maxDatabaseLevel bounds sglevel / 'database-level': a path deeper than this
// is not a database anyone means.
const maxDatabaseLevel = 64

// load reads the rest of LOAD 'path' followed by either IoTDB 1.3 option
// form: sglevel=N verify=B onSuccess=delete|none (commas optional), or
// WITH ('database-level'='N', 'on-success'='delete', ...).
func (p *parser) load() (ast.Statement, error) {
	t := p.peek()
	if t.kind != tokString {
		return nil, p.unexpected(t, "a quoted file or directory path")
	}
	p.next()
	if t.text == "" {
		return nil, p.errorf(t, "LOAD needs a file or directory path")
	}
	s := &ast.LoadTsFile{Path: t.text, Verify: true}
	if p.acceptKw("WITH") {
		attrs, err := p.attributes()
		if err != nil {
			return nil, err
		}
		for _, a := range attrs {
			if err := p.loadAttribute(s, a, t); err != nil {
				return nil, err
			}
		}
		return s, nil
	}
	first := true
	for {
		if !first && p.isPunct(",") {
			p.next()
		}
		k := p.peek()
		if k.kind != tokIdent {
			if !first && isPunct(p.toks[p.i-1], ",") {
				return nil, p.unexpected(k, "sglevel", "verify", "onSuccess")
			}
			return s, nil
		}
		first = false
		p.next()
		if err := p.expectEq(); err != nil {
			return nil, err
		}
		v := p.next()
		switch strings.ToLower(k.text) {
		case "sglevel":
			n, err := p.databaseLevel(v, v.text)
			if err != nil {
				return nil, err
			}
			s.DatabaseLevel = n
		case "verify":
			b, ok := boolWord(v.text)
			if !ok || v.kind != tokIdent {
				return nil, p.unexpected(v, "true", "false")
			}
			s.Verify = b
		case "onsuccess":
			del, ok := onSuccess(v.text)
			if !ok || v.kind != tokIdent {
				return nil, p.unexpected(v, "delete", "none")
			}
			s.DeleteOnSuccess = del
		default:
			return nil, p.errorf(k, "unknown LOAD option %s (supported: sglevel, verify, onSuccess)", k.text)
		}
	}
}

// loadAttribute applies one WITH ('key'='value') attribute; at is the
// statement's path token, which errors about attributes point at.
func (p *parser) loadAttribute(s *ast.LoadTsFile, a ast.Attribute, at token) error {
	switch strings.ToLower(a.Key) {
	case "database-level":
		n, err := p.databaseLevel(at, a.Value)
		if err != nil {
			return err
		}
		s.DatabaseLevel = n
	case "verify":
		b, ok := boolWord(a.Value)
		if !ok {
			return p.errorf(at, "LOAD option 'verify' must be 'true' or 'false', not '%s'", a.Value)
		}
		s.Verify = b
	case "on-success":
		del, ok := onSuccess(a.Value)
		if !ok {
			return p.errorf(at, "LOAD option 'on-success' must be 'delete' or 'none', not '%s'", a.Value)
		}
		s.DeleteOnSuccess = del
	case "convert-on-type-mismatch", "async":
		// Accepted for IoTDB 1.3 scripts; LOAD here is always synchronous
		// and a type mismatch is always an error (docs/tsfile.md).
		if _, ok := boolWord(a.Value); !ok {
			return p.errorf(at, "LOAD option '%s' must be 'true' or 'false', not '%s'", a.Key, a.Value)
		}
	case "tablet-conversion-threshold":
		// Accepted; every file is written through tablets here.
		if _, err := strconv.ParseInt(a.Value, 10, 64); err != nil {
			return p.errorf(at, "LOAD option 'tablet-conversion-threshold' must be an integer, not '%s'", a.Value)
		}
	default:
		return p.errorf(at, "unknown LOAD option '%s' (supported: 'database-level', 'on-success', 'verify', 'convert-on-type-mismatch', 'tablet-conversion-threshold', 'async')", a.Key)
	}
	return nil
}

// databaseLevel reads a database level, at least 1.
func (p *parser) databaseLevel(at token, text string) (int, error) {
	n, err := strconv.Atoi(text)
	if err != nil || n < 1 || n > maxDatabaseLevel {
		return 0, p.errorf(at, "database level must be an integer from 1 to %d, not %s", maxDatabaseLevel, text)
	}
	return n, nil
}

func boolWord(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// onSuccess reads delete|none; the first result is whether it is delete.
func onSuccess(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "delete":
		return true, true
	case "none":
		return false, true
	}
	return false, false
}
