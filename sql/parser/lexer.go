package parser

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokenKind classifies a token.
type tokenKind uint8

const (
	tokEOF      tokenKind = iota
	tokIdent              // unquoted name starting with a letter: select, root, s1
	tokWord               // unquoted name starting with a digit: 1d, 1h30m, 1TS
	tokQuoted             // back-quoted name; text is unescaped
	tokString             // '...' or "..."; text is unescaped
	tokInt                // decimal digits; text as written
	tokFloat              // 1.5, 1e3, 1.5E-3; text as written
	tokDateTime           // unquoted ISO-8601 date-time; text is canonical
	tokPunct              // operators and punctuation; text as written
)

// token is one lexeme. src[pos:end] is its text as written.
type token struct {
	kind     tokenKind
	text     string
	pos, end int
}

// lexer splits SQL text into tokens, dropping white space and comments.
type lexer struct {
	src  string
	pos  int
	toks []token
}

// lex tokenizes the whole input; the last token is always tokEOF.
func lex(src string) ([]token, *Error) {
	l := &lexer{src: src}
	for {
		if err := l.skipSpace(); err != nil {
			return nil, err
		}
		if l.pos >= len(src) {
			l.toks = append(l.toks, token{kind: tokEOF, pos: len(src), end: len(src)})
			return l.toks, nil
		}
		if err := l.next(); err != nil {
			return nil, err
		}
	}
}

func (l *lexer) emit(kind tokenKind, text string, start int) {
	l.toks = append(l.toks, token{kind: kind, text: text, pos: start, end: l.pos})
}

func (l *lexer) errorf(pos int, format string, args ...any) *Error {
	return newError(l.src, pos, fmt.Sprintf(format, args...))
}

// skipSpace skips white space, "-- line" and "/* block */" comments.
func (l *lexer) skipSpace() *Error {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			l.pos++
		case strings.HasPrefix(l.src[l.pos:], "--"):
			if i := strings.IndexByte(l.src[l.pos:], '\n'); i >= 0 {
				l.pos += i + 1
			} else {
				l.pos = len(l.src)
			}
		case strings.HasPrefix(l.src[l.pos:], "/*"):
			i := strings.Index(l.src[l.pos+2:], "*/")
			if i < 0 {
				return l.errorf(l.pos, "unterminated comment")
			}
			l.pos += 2 + i + 2
		default:
			return nil
		}
	}
	return nil
}

// twoCharPuncts are matched before single characters.
var twoCharPuncts = [...]string{"**", "==", "!=", "<>", "<=", ">=", "&&", "||"}

const oneCharPuncts = "()[],;.*+-/%=<>!&|"

func (l *lexer) next() *Error {
	start := l.pos
	c := l.src[start]
	switch {
	case c >= '0' && c <= '9':
		return l.number()
	case c == '\'' || c == '"':
		s, err := l.quoted(c, "string literal")
		if err != nil {
			return err
		}
		l.emit(tokString, s, start)
		return nil
	case c == '`':
		s, err := l.quoted(c, "back-quoted name")
		if err != nil {
			return err
		}
		if s == "" {
			return l.errorf(start, "empty back-quoted name")
		}
		l.emit(tokQuoted, s, start)
		return nil
	}
	for _, p := range twoCharPuncts {
		if strings.HasPrefix(l.src[start:], p) {
			l.pos += 2
			l.emit(tokPunct, p, start)
			return nil
		}
	}
	if strings.IndexByte(oneCharPuncts, c) >= 0 {
		l.pos++
		l.emit(tokPunct, l.src[start:l.pos], start)
		return nil
	}
	r, size := utf8.DecodeRuneInString(l.src[start:])
	if r == utf8.RuneError && size <= 1 {
		return l.errorf(start, "invalid UTF-8 at byte %d", start)
	}
	if !isIdentStart(r) {
		c := string(r)
		if !unicode.IsPrint(r) {
			c = strconv.QuoteRune(r)
		}
		return l.errorf(start, "token recognition error at: '%s'", c)
	}
	l.pos = identEnd(l.src, start)
	l.emit(tokIdent, l.src[start:l.pos], start)
	return nil
}

// quoted scans a literal delimited by q in which a doubled q stands for one.
func (l *lexer) quoted(q byte, what string) (string, *Error) {
	start := l.pos
	var b strings.Builder
	i := start + 1
	for i < len(l.src) {
		c := l.src[i]
		if c == q {
			if i+1 < len(l.src) && l.src[i+1] == q {
				b.WriteByte(q)
				i += 2
				continue
			}
			l.pos = i + 1
			return b.String(), nil
		}
		b.WriteByte(c)
		i++
	}
	return "", l.errorf(start, "unterminated %s", what)
}

// number scans what starts with a digit: a date-time, an integer, a float,
// or a word such as 1d or 1TS.
func (l *lexer) number() *Error {
	start := l.pos
	src := l.src
	j := skipDigits(src, start)
	if j-start == 4 && j < len(src) && strings.IndexByte("-/.", src[j]) >= 0 {
		if dt, end, ok := scanDateTime(src, start); ok {
			if err := dt.validate(); err != nil {
				return l.errorf(start, "invalid date-time '%s': %v", src[start:end], err)
			}
			l.pos = end
			l.emit(tokDateTime, dt.canonical(), start)
			return nil
		}
	}
	if k := identEnd(src, j); k > j {
		// Letters follow the digits: an exponent or a word.
		word := src[start:k]
		if e := j + 1; (src[j] == 'e' || src[j] == 'E') && k > e && skipDigits(src, e) == k {
			l.pos = k
			l.emit(tokFloat, word, start)
			return nil
		}
		if k == j+1 && (src[j] == 'e' || src[j] == 'E') && k+1 < len(src) &&
			(src[k] == '+' || src[k] == '-') && isDigit(src[k+1]) {
			return l.finishFloat(start, k+1)
		}
		l.pos = k
		l.emit(tokWord, word, start)
		return nil
	}
	if j+1 < len(src) && src[j] == '.' && isDigit(src[j+1]) {
		k := skipDigits(src, j+1)
		if k+1 < len(src) && (src[k] == 'e' || src[k] == 'E') {
			if isDigit(src[k+1]) {
				return l.finishFloat(start, k+1)
			}
			if k+2 < len(src) && (src[k+1] == '+' || src[k+1] == '-') && isDigit(src[k+2]) {
				return l.finishFloat(start, k+2)
			}
		}
		return l.finishFloat(start, k)
	}
	l.pos = j
	l.emit(tokInt, src[start:j], start)
	return nil
}

// finishFloat ends a float whose remaining digits start at i.
func (l *lexer) finishFloat(start, i int) *Error {
	end := skipDigits(l.src, i)
	if identEnd(l.src, end) > end {
		return l.errorf(start, "malformed number '%s'", l.src[start:identEnd(l.src, end)])
	}
	l.pos = end
	l.emit(tokFloat, l.src[start:end], start)
	return nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func skipDigits(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

// isIdentStart reports whether r may begin an unquoted name. The set matches
// the nodes model.Path writes without back-quotes.
func isIdentStart(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		return true
	case r == '_' || r == ':' || r == '#' || r == '$' || r == '{' || r == '}':
		return true
	case r >= utf8.RuneSelf:
		return unicode.IsLetter(r)
	}
	return false
}

// identEnd returns the end of the run of name characters starting at i.
func identEnd(s string, i int) int {
	for i < len(s) {
		if isDigit(s[i]) {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isIdentStart(r) {
			break
		}
		i += size
	}
	return i
}
