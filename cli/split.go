package cli

import "strings"

// splitter cuts SQL text into statements at semicolons that are outside
// string literals ('...' and "...", where a backslash escapes the next
// character) and back-quoted identifiers (`...`). A doubled quote inside a
// literal closes and reopens it, which leaves the split points where they
// belong without a special case.
//
// Text may arrive in pieces (one line at a time in the interactive shell);
// the quoting state carries over between calls to feed.
type splitter struct {
	buf     strings.Builder // text of the statement in progress
	quote   byte            // the open quote character, or 0 outside quotes
	escaped bool            // the previous byte was a backslash inside '...' or "..."
}

// feed appends text and returns the statements it completed, trimmed of
// surrounding white space, with empty statements dropped.
func (s *splitter) feed(text string) []string {
	var stmts []string
	start := 0
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case s.escaped:
			s.escaped = false
		case s.quote != 0:
			if c == '\\' && s.quote != '`' {
				s.escaped = true
			} else if c == s.quote {
				s.quote = 0
			}
		case c == '\'' || c == '"' || c == '`':
			s.quote = c
		case c == ';':
			s.buf.WriteString(text[start:i])
			start = i + 1
			if stmt := strings.TrimSpace(s.buf.String()); stmt != "" {
				stmts = append(stmts, stmt)
			}
			s.buf.Reset()
		}
	}
	s.buf.WriteString(text[start:])
	return stmts
}

// pending reports whether an unterminated statement has been fed.
func (s *splitter) pending() bool {
	return s.quote != 0 || strings.TrimSpace(s.buf.String()) != ""
}

// rest returns the unterminated statement, trimmed, and clears the splitter.
func (s *splitter) rest() string {
	stmt := strings.TrimSpace(s.buf.String())
	*s = splitter{}
	return stmt
}

// splitStatements splits a complete script, such as the argument of -e. The
// last statement needs no terminating semicolon.
func splitStatements(text string) []string {
	var s splitter
	stmts := s.feed(text)
	if last := s.rest(); last != "" {
		stmts = append(stmts, last)
	}
	return stmts
}

// isQuit reports whether stmt asks to leave the shell.
func isQuit(stmt string) bool {
	stmt = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(stmt), ";"))
	return strings.EqualFold(stmt, "quit") || strings.EqualFold(stmt, "exit")
}
