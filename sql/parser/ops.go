package parser

import "github.com/sluicedb/sluice/sql/ast"

// explain reads [ANALYZE [VERBOSE]] SELECT ... after EXPLAIN.
func (p *parser) explain() (ast.Statement, error) {
	e := &ast.Explain{}
	if p.acceptKw("ANALYZE") {
		e.Analyze = true
		e.Verbose = p.acceptKw("VERBOSE")
	}
	if err := p.expectKw("SELECT"); err != nil {
		return nil, err
	}
	st, err := p.selectStmt()
	if err != nil {
		return nil, err
	}
	e.Query = st.(*ast.Select)
	return e, nil
}

// kill reads QUERY 'id' or ALL QUERIES after KILL.
func (p *parser) kill() (ast.Statement, error) {
	kw, err := p.keyword("QUERY", "ALL")
	if err != nil {
		return nil, err
	}
	if kw == "ALL" {
		if err := p.expectKw("QUERIES"); err != nil {
			return nil, err
		}
		return &ast.KillQuery{}, nil
	}
	t := p.peek()
	if t.kind != tokString || t.text == "" {
		return nil, p.unexpected(t, "a query id string")
	}
	p.next()
	return &ast.KillQuery{ID: t.text}, nil
}

// showQueries reads [WHERE cond] [ORDER BY key [ASC|DESC], ...] [LIMIT n]
// [OFFSET n] after SHOW QUERIES.
func (p *parser) showQueries() (ast.Statement, error) {
	s := &ast.ShowQueries{Limit: -1}
	if p.acceptKw("WHERE") {
		w, err := p.expr()
		if err != nil {
			return nil, err
		}
		s.Where = w
	}
	if p.acceptKw("ORDER") {
		if err := p.expectKw("BY"); err != nil {
			return nil, err
		}
		for {
			col, err := p.name("a column name")
			if err != nil {
				return nil, err
			}
			k := ast.ColumnOrder{Column: col}
			if p.acceptKw("DESC") {
				k.Desc = true
			} else {
				p.acceptKw("ASC")
			}
			s.OrderBy = append(s.OrderBy, k)
			if !p.acceptPunct(",") {
				break
			}
		}
	}
	var err error
	s.Limit, s.Offset, err = p.pagination()
	if err != nil {
		return nil, err
	}
	return s, nil
}
