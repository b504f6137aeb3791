package parser

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Error is a syntax error. Its message reads like IoTDB's, which come from
// ANTLR: the line counts from 1 and the column, in characters, from 0.
type Error struct {
	Pos  int    // byte offset of the offending input
	Line int    // 1-based line of Pos
	Col  int    // 0-based column of Pos, in characters
	Msg  string // what is wrong, without the position
}

// Error returns "line L:C message".
func (e *Error) Error() string { return fmt.Sprintf("line %d:%d %s", e.Line, e.Col, e.Msg) }

// newError places msg at byte offset pos of src.
func newError(src string, pos int, msg string) *Error {
	if pos < 0 {
		pos = 0
	}
	if pos > len(src) {
		pos = len(src)
	}
	lineStart := strings.LastIndexByte(src[:pos], '\n') + 1
	return &Error{
		Pos:  pos,
		Line: strings.Count(src[:pos], "\n") + 1,
		Col:  utf8.RuneCountInString(src[lineStart:pos]),
		Msg:  msg,
	}
}

// expecting renders a list of alternatives the way ANTLR does: a single one
// bare, several in braces.
func expecting(alts []string) string {
	if len(alts) == 1 {
		return alts[0]
	}
	return "{" + strings.Join(alts, ", ") + "}"
}
