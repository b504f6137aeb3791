package datanode

import (
	"math"
	"strconv"
	"strings"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// Untyped values (SQL INSERT literals and string records) take the type of
// their existing series; a new series gets the type IoTDB 1.3 infers:
// true/false -> BOOLEAN, any number -> DOUBLE, anything else -> TEXT.

// inferLiteral reads a string record value the way IoTDB infers its type.
func inferLiteral(s string) *ast.Literal {
	t := strings.TrimSpace(s)
	switch strings.ToLower(t) {
	case "true", "false":
		return &ast.Literal{Kind: ast.BoolLit, Bool: strings.EqualFold(t, "true"), Raw: t}
	case "null":
		return &ast.Literal{Kind: ast.NullLit, Raw: t}
	case "nan":
		return &ast.Literal{Kind: ast.FloatLit, Float: math.NaN(), Raw: t}
	}
	if i, err := strconv.ParseInt(t, 10, 64); err == nil {
		return &ast.Literal{Kind: ast.IntLit, Int: i, Raw: t}
	}
	if f, err := strconv.ParseFloat(t, 64); err == nil {
		return &ast.Literal{Kind: ast.FloatLit, Float: f, Raw: t}
	}
	return &ast.Literal{Kind: ast.StringLit, Str: s, Raw: s}
}

// inferType is the type a new series gets from its first literal.
func inferType(l *ast.Literal) model.DataType {
	switch l.Kind {
	case ast.BoolLit:
		return model.Boolean
	case ast.IntLit, ast.FloatLit:
		return model.Double
	}
	return model.Text
}

// literalColumn converts one measurement's literals to a column of type t.
func literalColumn(path model.Path, t model.DataType, lits []*ast.Literal) (model.Column, error) {
	c := model.NewColumn(t, len(lits))
	for _, l := range lits {
		if l == nil || l.Kind == ast.NullLit {
			c.Append(nil)
			continue
		}
		v, err := convertLiteral(l, t)
		if err != nil {
			return c, status.Errorf(status.DataTypeMismatch, "value %s for %s: %v", l.Raw, path, err)
		}
		c.Append(v)
	}
	return c, nil
}

func convertLiteral(l *ast.Literal, t model.DataType) (any, error) {
	text := l.Raw
	if l.Kind == ast.StringLit {
		text = l.Str
	}
	switch t {
	case model.Boolean:
		switch {
		case l.Kind == ast.BoolLit:
			return l.Bool, nil
		case l.Kind == ast.IntLit && (l.Int == 0 || l.Int == 1):
			return l.Int == 1, nil
		}
		b, err := strconv.ParseBool(strings.ToLower(strings.TrimSpace(text)))
		if err != nil {
			return nil, errExpected(t)
		}
		return b, nil
	case model.Int32, model.Int64:
		if l.Kind == ast.FloatLit || l.Kind == ast.BoolLit {
			return nil, errExpected(t)
		}
		bits := 64
		if t == model.Int32 {
			bits = 32
		}
		i, err := strconv.ParseInt(strings.TrimSpace(text), 10, bits)
		if err != nil {
			return nil, errExpected(t)
		}
		if t == model.Int32 {
			return int32(i), nil
		}
		return i, nil
	case model.Float, model.Double:
		var f float64
		switch l.Kind {
		case ast.IntLit:
			f = float64(l.Int)
		case ast.FloatLit:
			f = l.Float
		case ast.BoolLit:
			return nil, errExpected(t)
		default:
			v, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
			if err != nil {
				return nil, errExpected(t)
			}
			f = v
		}
		if t == model.Float {
			return float32(f), nil
		}
		return f, nil
	}
	return text, nil
}

type expectedErr model.DataType

func (e expectedErr) Error() string { return "expected a " + model.DataType(e).String() + " value" }

func errExpected(t model.DataType) error { return expectedErr(t) }
