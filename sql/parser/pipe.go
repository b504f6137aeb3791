package parser

import (
	"strings"

	"github.com/sluicedb/sluice/sql/ast"
)

// pipeName reads a pipe's name: an identifier (a2b, pipe1), a back-quoted
// name, or names joined by '-' without spaces (iotdb-kafka), as SHOW PIPES
// prints them.
func (p *parser) pipeName() (string, error) {
	t := p.peek()
	switch t.kind {
	case tokQuoted:
		p.next()
		return t.text, nil
	case tokIdent, tokWord:
	default:
		return "", p.unexpected(t, "a pipe name")
	}
	p.next()
	var b strings.Builder
	b.WriteString(t.text)
	end := t.end
	for {
		dash, part := p.peek(), p.peekAt(1)
		if !isPunct(dash, "-") || dash.pos != end || part.pos != dash.end ||
			(part.kind != tokIdent && part.kind != tokWord && part.kind != tokInt) {
			return b.String(), nil
		}
		p.next()
		p.next()
		b.WriteString("-" + part.text)
		end = part.end
	}
}

// pipeStages orders CREATE PIPE's clauses.
var pipeStages = map[string]int{"SOURCE": 1, "EXTRACTOR": 1, "PROCESSOR": 2, "SINK": 3, "CONNECTOR": 3}

// stageOrder is the last pipe clause read: its stage (pipeStages) and how
// it was written, for messages.
type stageOrder struct {
	stage  int
	clause string
}

// nextStage reads a clause's stage keyword after verb (WITH, MODIFY or
// REPLACE) and returns its stage, refusing a stage given twice or out of
// IoTDB's order (source, processor, sink).
func (p *parser) nextStage(o *stageOrder, verb string) (int, error) {
	t := p.peek()
	kw, err := p.keyword("SOURCE", "EXTRACTOR", "PROCESSOR", "SINK", "CONNECTOR")
	if err != nil {
		return 0, err
	}
	clause := verb + " " + strings.ToUpper(t.text)
	switch st := pipeStages[kw]; {
	case st == o.stage:
		return 0, p.errorf(t, "duplicate %s clause", clause)
	case st < o.stage:
		return 0, p.errorf(t, "%s must come before %s", clause, o.clause)
	default:
		o.stage, o.clause = st, clause
		return st, nil
	}
}

// createPipe reads the rest of CREATE PIPE id [WITH SOURCE (...)]
// [WITH PROCESSOR (...)] WITH SINK (...).
func (p *parser) createPipe() (ast.Statement, error) {
	// IF NOT EXISTS, unless "if" is the pipe's name.
	ifNotExists := p.isKw("IF") && isKw(p.peekAt(1), "NOT")
	if ifNotExists {
		p.next()
		p.next()
		if _, err := p.keyword("EXISTS"); err != nil {
			return nil, err
		}
	}
	name, err := p.pipeName()
	if err != nil {
		return nil, err
	}
	c := &ast.CreatePipe{Name: name, IfNotExists: ifNotExists}
	var order stageOrder
	for p.acceptKw("WITH") {
		stage, err := p.nextStage(&order, "WITH")
		if err != nil {
			return nil, err
		}
		attrs, err := p.attributes()
		if err != nil {
			return nil, err
		}
		switch stage {
		case 1:
			c.Source = attrs
		case 2:
			c.Processor = attrs
		default:
			c.Sink = attrs
		}
	}
	if order.stage < 3 {
		if t := p.peek(); t.kind != tokEOF && !isPunct(t, ";") {
			return nil, p.unexpected(t, "WITH")
		}
		return nil, p.errorf(p.peek(), "missing WITH SINK clause: pipe %s needs a sink", name)
	}
	return c, nil
}

// attributes reads ('key' = 'value', ...), a trailing comma allowed. A
// number is accepted as a value and kept as written.
func (p *parser) attributes() ([]ast.Attribute, error) {
	if err := p.expectPunct("("); err != nil {
		return nil, err
	}
	attrs := []ast.Attribute{}
	for !p.isPunct(")") {
		k := p.peek()
		if k.kind != tokString {
			if len(attrs) == 0 {
				return nil, p.unexpected(k, "a quoted key", "')'")
			}
			return nil, p.unexpected(k, "a quoted key")
		}
		p.next()
		if err := p.expectEq(); err != nil {
			return nil, err
		}
		v := p.peek()
		switch v.kind {
		case tokString, tokInt, tokFloat:
			p.next()
		default:
			return nil, p.unexpected(v, "a quoted value")
		}
		attrs = append(attrs, ast.Attribute{Key: k.text, Value: v.text})
		if !p.acceptPunct(",") {
			break
		}
	}
	if err := p.expectPunct(")"); err != nil {
		return nil, p.unexpected(p.peek(), "','", "')'")
	}
	return attrs, nil
}

// alterPipe reads the rest of ALTER PIPE [IF EXISTS] id
// [MODIFY|REPLACE SOURCE (...)] [MODIFY|REPLACE PROCESSOR (...)]
// [MODIFY|REPLACE SINK (...)], the clauses in that order.
func (p *parser) alterPipe() (ast.Statement, error) {
	name, ifExists, err := p.pipeNameIfExists()
	if err != nil {
		return nil, err
	}
	a := &ast.AlterPipe{Name: name, IfExists: ifExists}
	var order stageOrder
	for p.isKw("MODIFY") || p.isKw("REPLACE") {
		verb := strings.ToUpper(p.next().text)
		stage, err := p.nextStage(&order, verb)
		if err != nil {
			return nil, err
		}
		attrs, err := p.attributes()
		if err != nil {
			return nil, err
		}
		change := &ast.PipeChange{Replace: verb == "REPLACE", Attributes: attrs}
		switch stage {
		case 1:
			a.Source = change
		case 2:
			a.Processor = change
		default:
			a.Sink = change
		}
	}
	if t := p.peek(); t.kind != tokEOF && !isPunct(t, ";") {
		return nil, p.unexpected(t, "MODIFY", "REPLACE", "';'")
	}
	return a, nil
}

// startPipe reads the rest of START PIPE id.
func (p *parser) startPipe() (ast.Statement, error) {
	if err := p.expectKw("PIPE"); err != nil {
		return nil, err
	}
	name, err := p.pipeName()
	if err != nil {
		return nil, err
	}
	return &ast.StartPipe{Name: name}, nil
}

// stopPipe reads the rest of STOP PIPE id.
func (p *parser) stopPipe() (ast.Statement, error) {
	if err := p.expectKw("PIPE"); err != nil {
		return nil, err
	}
	name, err := p.pipeName()
	if err != nil {
		return nil, err
	}
	return &ast.StopPipe{Name: name}, nil
}

// dropPipe reads the rest of DROP PIPE id.
func (p *parser) dropPipe() (ast.Statement, error) {
	name, ifExists, err := p.pipeNameIfExists()
	if err != nil {
		return nil, err
	}
	return &ast.DropPipe{Name: name, IfExists: ifExists}, nil
}

// pipeNameIfExists reads [IF EXISTS] id; "if" alone is a pipe's name.
func (p *parser) pipeNameIfExists() (name string, ifExists bool, err error) {
	ifExists = p.isKw("IF") && isKw(p.peekAt(1), "EXISTS")
	if ifExists {
		p.next()
		p.next()
	}
	name, err = p.pipeName()
	return name, ifExists, err
}

// showPipes reads the rest of SHOW PIPE id (one), SHOW PIPES STATISTICS
// or SHOW PIPES [WHERE SINK|CONNECTOR USED BY id].
func (p *parser) showPipes(one bool) (ast.Statement, error) {
	if one {
		name, err := p.pipeName()
		if err != nil {
			return nil, err
		}
		return &ast.ShowPipes{Name: name}, nil
	}
	if p.acceptKw("STATISTICS") {
		return &ast.ShowPipeStatistics{}, nil
	}
	if !p.acceptKw("WHERE") {
		return &ast.ShowPipes{}, nil
	}
	if _, err := p.keyword("SINK", "CONNECTOR"); err != nil {
		return nil, err
	}
	if err := p.expectKw("USED", "BY"); err != nil {
		return nil, err
	}
	name, err := p.pipeName()
	if err != nil {
		return nil, err
	}
	return &ast.ShowPipes{UsedBy: name}, nil
}
