package parser

import (
	"strings"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
)

// tagAttributeClash is IoTDB's message for a key given both as a tag and as
// an attribute of one series.
const tagAttributeClash = "Tag and attribute shouldn't have the same property key"

// tagClauses reads [TAGS(k=v, ...)] [ATTRIBUTES(k=v, ...)], in that order,
// into *tags and *attrs.
func (p *parser) tagClauses(tags, attrs *map[string]string) error {
	if p.acceptKw("TAGS") {
		m, err := p.pairList(true)
		if err != nil {
			return err
		}
		*tags = m
	}
	if p.acceptKw("ATTRIBUTES") {
		t := p.peek()
		m, err := p.pairList(true)
		if err != nil {
			return err
		}
		for k := range m {
			if _, ok := (*tags)[k]; ok {
				return p.errorf(t, "%s: '%s'", tagAttributeClash, k)
			}
		}
		*attrs = m
	}
	if t := p.peek(); isKw(t, "TAGS") || isKw(t, "ATTRIBUTES") {
		return p.errorf(t, "%s may appear once, TAGS before ATTRIBUTES", strings.ToUpper(t.text))
	}
	return nil
}

// pairList reads k=v {, k=v}, inside parentheses when parens is set. A key
// given twice is refused rather than letting the last one win silently.
func (p *parser) pairList(parens bool) (map[string]string, error) {
	if parens {
		if err := p.expectPunct("("); err != nil {
			return nil, err
		}
	}
	m := map[string]string{}
	for {
		kt := p.peek()
		k, err := p.propertyText("a key")
		if err != nil {
			return nil, err
		}
		if _, dup := m[k]; dup {
			return nil, p.errorf(kt, "duplicate key '%s'", k)
		}
		if err := p.expectEq(); err != nil {
			return nil, err
		}
		v, err := p.propertyText("a value")
		if err != nil {
			return nil, err
		}
		m[k] = v
		if !p.acceptPunct(",") {
			break
		}
	}
	if parens {
		if err := p.expectPunct(")"); err != nil {
			return nil, p.unexpected(p.peek(), "','", "')'")
		}
	}
	return m, nil
}

// propertyText reads a tag or attribute key or value: a name, a quoted
// string or a number (as written, with its sign).
func (p *parser) propertyText(what string) (string, error) {
	t := p.peek()
	switch t.kind {
	case tokIdent, tokWord, tokQuoted, tokString, tokInt, tokFloat:
		p.next()
		if t.text == "" {
			return "", p.errorf(t, "%s may not be empty", what)
		}
		return t.text, nil
	case tokPunct:
		if n := p.peekAt(1); (t.text == "-" || t.text == "+") && (n.kind == tokInt || n.kind == tokFloat) && n.pos == t.end {
			p.next()
			p.next()
			return p.src[t.pos:n.end], nil
		}
	}
	return "", p.unexpected(t, what)
}

// propertyKeys reads k {, k}.
func (p *parser) propertyKeys() ([]string, error) {
	var keys []string
	for {
		k, err := p.propertyText("a key")
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
		if !p.acceptPunct(",") {
			return keys, nil
		}
	}
}

// alterTimeseries reads, after ALTER TIMESERIES, path then one of RENAME k
// TO k2, SET pairs, DROP keys, ADD TAGS pairs, ADD ATTRIBUTES pairs and
// UPSERT [ALIAS=a] [TAGS(pairs)] [ATTRIBUTES(pairs)].
func (p *parser) alterTimeseries() (ast.Statement, error) {
	path, err := p.fullPath(false)
	if err != nil {
		return nil, err
	}
	a := &ast.AlterTimeseries{Path: path}
	kw, err := p.keyword("RENAME", "SET", "DROP", "ADD", "UPSERT")
	if err != nil {
		return nil, err
	}
	switch kw {
	case "RENAME":
		a.Kind = ast.AlterRename
		from, err := p.propertyText("a key")
		if err != nil {
			return nil, err
		}
		if err := p.expectKw("TO"); err != nil {
			return nil, err
		}
		to, err := p.propertyText("a key")
		if err != nil {
			return nil, err
		}
		a.Keys = []string{from, to}
	case "SET":
		a.Kind = ast.AlterSet
		a.Pairs, err = p.pairList(false)
	case "DROP":
		a.Kind = ast.AlterDrop
		a.Keys, err = p.propertyKeys()
	case "ADD":
		kind, kerr := p.keyword("TAGS", "ATTRIBUTES")
		if kerr != nil {
			return nil, kerr
		}
		a.Kind = ast.AlterAddTags
		if kind == "ATTRIBUTES" {
			a.Kind = ast.AlterAddAttributes
		}
		a.Pairs, err = p.pairList(false)
	default:
		a.Kind = ast.AlterUpsert
		err = p.upsert(a)
	}
	if err != nil {
		return nil, err
	}
	return a, nil
}

// upsert reads UPSERT's [ALIAS = a] [TAGS(...)] [ATTRIBUTES(...)].
func (p *parser) upsert(a *ast.AlterTimeseries) error {
	start := p.peek()
	if p.acceptKw("ALIAS") {
		if err := p.expectEq(); err != nil {
			return err
		}
		alias, err := p.name("an alias")
		if err != nil {
			return err
		}
		a.Alias = alias
	}
	if err := p.tagClauses(&a.Tags, &a.Attributes); err != nil {
		return err
	}
	if a.Alias == "" && a.Tags == nil && a.Attributes == nil {
		return p.unexpected(start, "ALIAS", "TAGS", "ATTRIBUTES")
	}
	return nil
}

// seriesWhere reads the WHERE of SHOW/COUNT TIMESERIES, if present: one of
// TAGS(k) = v, TAGS(k) CONTAINS 'v', TIMESERIES CONTAINS 'x', DATATYPE = T.
func (p *parser) seriesWhere() (*ast.SeriesFilter, error) {
	if !p.acceptKw("WHERE") {
		return nil, nil
	}
	t := p.peek()
	switch {
	case isKw(t, "TAGS"):
		p.next()
		if err := p.expectPunct("("); err != nil {
			return nil, err
		}
		key, err := p.propertyText("a tag key")
		if err != nil {
			return nil, err
		}
		if err := p.expectPunct(")"); err != nil {
			return nil, err
		}
		if p.acceptKw("CONTAINS") {
			v, err := p.containsString()
			if err != nil {
				return nil, err
			}
			return &ast.SeriesFilter{Kind: ast.TagContains, Key: key, Value: v}, nil
		}
		if err := p.expectEq(); err != nil {
			return nil, p.unexpected(p.peek(), "'='", "CONTAINS")
		}
		v, err := p.propertyText("a tag value")
		if err != nil {
			return nil, err
		}
		return &ast.SeriesFilter{Kind: ast.TagEquals, Key: key, Value: v}, nil
	case isKw(t, "TIMESERIES"):
		p.next()
		if err := p.expectKw("CONTAINS"); err != nil {
			return nil, err
		}
		v, err := p.containsString()
		if err != nil {
			return nil, err
		}
		return &ast.SeriesFilter{Kind: ast.PathContains, Value: v}, nil
	}
	key, err := p.propertyText("TAGS, TIMESERIES or DATATYPE")
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(key, "DATATYPE") {
		return nil, p.errorf(t, "unexpected filter key '%s': the WHERE of SHOW TIMESERIES takes TAGS(k), TIMESERIES or DATATYPE", key)
	}
	if err := p.expectEq(); err != nil {
		return nil, err
	}
	vt := p.peek()
	v, err := p.propertyText("a data type")
	if err != nil {
		return nil, err
	}
	dt, err := model.ParseDataType(v)
	if err != nil {
		return nil, p.errorf(vt, "unsupported datatype: %s", v)
	}
	return &ast.SeriesFilter{Kind: ast.DataTypeEquals, Type: dt}, nil
}

// containsString reads the quoted string after CONTAINS.
func (p *parser) containsString() (string, error) {
	t := p.peek()
	if t.kind != tokString {
		return "", p.unexpected(t, "a string literal")
	}
	p.next()
	return t.text, nil
}
