package query

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// stringFuncs are IoTDB 1.3's built-in string functions, by the type of
// their result. They work on TEXT series and compute each row on its own;
// a null input gives null (CONCAT skips it). Lengths and positions count
// UTF-16 code units, as Java's String does.
var stringFuncs = map[string]model.DataType{
	"string_contains": model.Boolean,
	"string_matches":  model.Boolean,
	"startswith":      model.Boolean,
	"endswith":        model.Boolean,
	"length":          model.Int32,
	"locate":          model.Int32,
	"strcmp":          model.Int32,
	"concat":          model.Text,
	"substr":          model.Text,
	"substring":       model.Text,
	"upper":           model.Text,
	"lower":           model.Text,
	"trim":            model.Text,
	"replace":         model.Text,
}

// isAttribute reports whether a function argument is an attribute
// 'key'='value'.
func isAttribute(e ast.Expr) bool {
	b, ok := e.(*ast.Binary)
	if !ok || b.Op != "=" {
		return false
	}
	l, lok := b.L.(*ast.Literal)
	r, rok := b.R.(*ast.Literal)
	return lok && rok && l.Kind == ast.StringLit && r.Kind == ast.StringLit
}

// attributes splits a call's arguments into its inputs and its 'key'='value'
// attributes (keys in the order written).
func attributes(e *ast.Call) (inputs []ast.Expr, keys []string, attrs map[string]string, err error) {
	attrs = map[string]string{}
	for _, a := range e.Args {
		if !isAttribute(a) {
			inputs = append(inputs, a)
			continue
		}
		b := a.(*ast.Binary)
		k, v := b.L.(*ast.Literal).Str, b.R.(*ast.Literal).Str
		if _, dup := attrs[k]; dup {
			return nil, nil, nil, status.Errorf(status.SemanticError, "attribute %q is given twice: %s", k, exprString(e))
		}
		attrs[k] = v
		keys = append(keys, k)
	}
	return inputs, keys, attrs, nil
}

// fnCall is a call of a built-in function with attributes being compiled.
type fnCall struct {
	e      *ast.Call
	name   string // upper-case, for messages
	inputs []ast.Expr
	keys   []string
	attrs  map[string]string
}

func (s *fnCall) fail(format string, args ...any) error {
	return status.Errorf(status.SemanticError, "%s: %s", s.name, fmt.Sprintf(format, args...))
}

// wantInputs checks the number of input series.
func (s *fnCall) wantInputs(lo, hi int) error {
	if n := len(s.inputs); n < lo || n > hi {
		if lo == hi {
			return s.fail("takes %d input series, got %d: %s", lo, n, exprString(s.e))
		}
		return s.fail("takes at least %d input series, got %d: %s", lo, n, exprString(s.e))
	}
	return nil
}

// wantInput checks the type of an input: its kind is one of kinds (a
// null constant always passes); types names them for the message, as
// "data types [...]".
func (s *fnCall) wantInput(x compiled, types string, kinds ...kind) error {
	if x.k == kNull || slices.Contains(kinds, x.k) {
		return nil
	}
	return s.fail("input series only supports %s, got %s", types, x.t)
}

// attr returns attribute key, or def when absent and not required.
func (s *fnCall) attr(key, def string, required bool) (string, error) {
	v, ok := s.attrs[key]
	if !ok && required {
		return "", s.fail("attribute %q is required: %s", key, exprString(s.e))
	}
	if !ok {
		return def, nil
	}
	return v, nil
}

// onlyAttrs refuses attributes other than allowed.
func (s *fnCall) onlyAttrs(allowed func(string) bool) error {
	for _, k := range s.keys {
		if !allowed(k) {
			return s.fail("unknown attribute %q: %s", k, exprString(s.e))
		}
	}
	return nil
}

func (s *fnCall) intAttr(key string, def int) (int, error) {
	v, err := s.attr(key, strconv.Itoa(def), false)
	if err != nil {
		return 0, err
	}
	n, perr := strconv.Atoi(v)
	if perr != nil || n < 0 {
		return 0, s.fail("attribute %q must be a non-negative integer, got %q", key, v)
	}
	return n, nil
}

func (s *fnCall) boolAttr(key string) (bool, error) {
	v, err := s.attr(key, "false", false)
	if err != nil {
		return false, err
	}
	switch strings.ToLower(v) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, s.fail("attribute %q must be true or false, got %q", key, v)
}

// compileString compiles a call of a string function.
func (c *compiler) compileString(e *ast.Call) (compiled, error) {
	out := compiled{expr: e}
	inputs, keys, attrs, err := attributes(e)
	if err != nil {
		return out, err
	}
	s := &fnCall{e: e, name: strings.ToUpper(e.Name), inputs: inputs, keys: keys, attrs: attrs}
	if e.Name == "substring" || e.Name == "replace" {
		// SQL forms with positional constants: substring(x, start[, length]),
		// replace(x, 'from', 'to').
		s.inputs = inputs[:min(1, len(inputs))]
	}
	lo, hi := 1, 1
	switch e.Name {
	case "concat":
		hi = len(s.inputs)
	case "strcmp":
		lo, hi = 2, 2
	}
	if err := s.wantInputs(lo, hi); err != nil {
		return out, err
	}
	xs := make([]node, len(s.inputs))
	for i, in := range s.inputs {
		x, err := c.compile(in)
		if err != nil {
			return out, err
		}
		if err := s.wantInput(x, "data type [TEXT]", kText); err != nil {
			return out, err
		}
		xs[i] = x.n
	}
	f, err := s.function(inputs)
	if err != nil {
		return out, err
	}
	t := stringFuncs[e.Name]
	out.n, out.k, out.t = strNode{xs: xs, f: f, skipNulls: e.Name == "concat"}, kindOf(t), t
	return out, nil
}

// function builds the per-row function of s over its input strings.
func (s *fnCall) function(inputs []ast.Expr) (func([]string) value, error) {
	none := func(string) bool { return false }
	is := func(keys ...string) func(string) bool {
		return func(k string) bool { return slices.Contains(keys, k) }
	}
	switch s.e.Name {
	case "string_contains":
		sub, err := s.attr("s", "", true)
		if err == nil {
			err = s.onlyAttrs(is("s"))
		}
		return func(v []string) value { return boolValue(strings.Contains(v[0], sub)) }, err
	case "string_matches":
		pat, err := s.attr("regex", "", true)
		if err == nil {
			err = s.onlyAttrs(is("regex"))
		}
		if err != nil {
			return nil, err
		}
		re, rerr := regexp.Compile(`^(?:` + pat + `)$`)
		if rerr != nil {
			return nil, s.fail("invalid regex %q: %v", pat, rerr)
		}
		return func(v []string) value { return boolValue(re.MatchString(v[0])) }, nil
	case "startswith", "endswith":
		target, err := s.attr("target", "", true)
		if err == nil {
			err = s.onlyAttrs(is("target"))
		}
		if s.e.Name == "startswith" {
			return func(v []string) value { return boolValue(strings.HasPrefix(v[0], target)) }, err
		}
		return func(v []string) value { return boolValue(strings.HasSuffix(v[0], target)) }, err
	case "length":
		return func(v []string) value { return intValue(int64(len(utf16.Encode([]rune(v[0]))))) }, s.onlyAttrs(none)
	case "locate":
		target, err := s.attr("target", "", true)
		if err != nil {
			return nil, err
		}
		reverse, err := s.boolAttr("reverse")
		if err == nil {
			err = s.onlyAttrs(is("target", "reverse"))
		}
		return func(v []string) value { return intValue(int64(indexUTF16(v[0], target, reverse))) }, err
	case "strcmp":
		return func(v []string) value { return intValue(int64(compareUTF16(v[0], v[1]))) }, s.onlyAttrs(none)
	case "upper":
		return func(v []string) value { return textValue(strings.ToUpper(v[0])) }, s.onlyAttrs(none)
	case "lower":
		return func(v []string) value { return textValue(strings.ToLower(v[0])) }, s.onlyAttrs(none)
	case "trim":
		trim := func(r rune) bool { return r <= ' ' } // Java's String.trim
		return func(v []string) value { return textValue(strings.TrimFunc(v[0], trim)) }, s.onlyAttrs(none)
	case "concat":
		return s.concat()
	case "substr":
		return s.substr()
	case "substring":
		return s.substring(inputs)
	}
	return s.replace(inputs) // replace
}

func (s *fnCall) concat() (func([]string) value, error) {
	var targets []string
	for _, k := range s.keys {
		if strings.HasPrefix(k, "target") {
			targets = append(targets, s.attrs[k])
		} else if k != "series_behind" {
			return nil, s.fail("unknown attribute %q (targets are named target...): %s", k, exprString(s.e))
		}
	}
	behind, err := s.boolAttr("series_behind")
	if err != nil {
		return nil, err
	}
	fixed := strings.Join(targets, "")
	return func(v []string) value {
		series := strings.Join(v, "")
		if behind {
			return textValue(fixed + series)
		}
		return textValue(series + fixed)
	}, nil
}

// substr is substr(x, 'start'='a'[, 'end'='b']): code units [a, b),
// clipped to the string.
func (s *fnCall) substr() (func([]string) value, error) {
	if err := s.onlyAttrs(func(k string) bool { return k == "start" || k == "end" }); err != nil {
		return nil, err
	}
	if _, ok := s.attrs["start"]; !ok {
		return nil, s.fail("attribute %q is required: %s", "start", exprString(s.e))
	}
	start, err := s.intAttr("start", 0)
	if err != nil {
		return nil, err
	}
	end := -1
	if _, ok := s.attrs["end"]; ok {
		if end, err = s.intAttr("end", 0); err != nil {
			return nil, err
		}
		if end < start {
			return nil, s.fail("end %d is before start %d", end, start)
		}
	}
	return func(v []string) value { return textValue(sliceUTF16(v[0], start, end)) }, nil
}

// substring is SQL's substring(x, start[, length]) (also written
// substring(x FROM start [FOR length])): 1-based, clipped to the string.
func (s *fnCall) substring(inputs []ast.Expr) (func([]string) value, error) {
	if len(inputs) < 2 || len(inputs) > 3 || len(s.keys) > 0 {
		return nil, s.fail("takes a series, a start and an optional length: %s", exprString(s.e))
	}
	var nums []int
	for _, a := range inputs[1:] {
		l, ok := a.(*ast.Literal)
		if !ok || l.Kind != ast.IntLit || l.Int < 0 || l.Int > 1<<31-1 {
			return nil, s.fail("start and length must be non-negative integer constants: %s", exprString(s.e))
		}
		nums = append(nums, int(l.Int))
	}
	start := max(nums[0]-1, 0)
	end := -1
	if len(nums) == 2 {
		end = max(nums[0]-1, 0) + nums[1]
		if nums[0] == 0 { // SQL: positions before 1 count toward the length
			end = max(nums[1]-1, 0)
		}
	}
	return func(v []string) value { return textValue(sliceUTF16(v[0], start, end)) }, nil
}

// replace is replace(x, 'from', 'to'): every occurrence.
func (s *fnCall) replace(inputs []ast.Expr) (func([]string) value, error) {
	if len(inputs) != 3 || len(s.keys) > 0 {
		return nil, s.fail("takes a series and two strings, replace(x, 'from', 'to'): %s", exprString(s.e))
	}
	var strs []string
	for _, a := range inputs[1:] {
		l, ok := a.(*ast.Literal)
		if !ok || l.Kind != ast.StringLit {
			return nil, s.fail("from and to must be string constants: %s", exprString(s.e))
		}
		strs = append(strs, l.Str)
	}
	from, to := strs[0], strs[1]
	return func(v []string) value { return textValue(strings.ReplaceAll(v[0], from, to)) }, nil
}

// strNode applies f to its inputs' strings; a null input makes the result
// null, or is left out when skipNulls.
type strNode struct {
	xs        []node
	f         func([]string) value
	skipNulls bool
}

func (n strNode) eval(r *rowCtx) value {
	args := make([]string, 0, len(n.xs))
	for _, x := range n.xs {
		v := x.eval(r)
		if v.k == kNull {
			if n.skipNulls {
				continue
			}
			return nullValue
		}
		args = append(args, v.s)
	}
	return n.f(args)
}

func intValue(i int64) value   { return value{k: kInt, i: i} }
func textValue(s string) value { return value{k: kText, s: s} }

// indexUTF16 is Java's indexOf (lastIndexOf when reverse) in code units.
func indexUTF16(s, sub string, reverse bool) int {
	var i int
	if reverse {
		i = strings.LastIndex(s, sub)
	} else {
		i = strings.Index(s, sub)
	}
	if i < 0 {
		return -1
	}
	return len(utf16.Encode([]rune(s[:i])))
}

// compareUTF16 is Java's String.compareTo: the difference of the first
// differing code units, else of the lengths.
func compareUTF16(a, b string) int {
	x, y := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(x) && i < len(y); i++ {
		if x[i] != y[i] {
			return int(x[i]) - int(y[i])
		}
	}
	return len(x) - len(y)
}

// sliceUTF16 returns code units [start, end) of s (end -1: to the end),
// clipped to its length.
func sliceUTF16(s string, start, end int) string {
	u := utf16.Encode([]rune(s))
	if end < 0 || end > len(u) {
		end = len(u)
	}
	if start >= end {
		return ""
	}
	return string(utf16.Decode(u[start:end]))
}
