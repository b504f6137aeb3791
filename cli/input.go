package cli

import (
	"bufio"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/peterh/liner"
)

// errInterrupted is returned by readLine when the user pressed Ctrl-C.
var errInterrupted = errors.New("interrupted")

// lineReader is where the shell's input lines come from.
type lineReader interface {
	// readLine shows prompt and returns the next line without its line
	// end. It returns io.EOF at the end of input and errInterrupted when
	// the user abandons the line.
	readLine(prompt string) (string, error)
	// addHistory records an executed statement for recall.
	addHistory(stmt string)
	// close saves the history and restores the terminal.
	close() error
}

// plainReader reads lines from a script or pipe, without prompts.
type plainReader struct {
	r *bufio.Reader
}

func newPlainReader(r io.Reader) *plainReader { return &plainReader{r: bufio.NewReaderSize(r, 64<<10)} }

func (p *plainReader) readLine(string) (string, error) {
	line, err := p.r.ReadString('\n')
	if err == io.EOF && line != "" {
		err = nil // the last line lacks its newline; EOF comes next call
	}
	return strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"), err
}

func (p *plainReader) addHistory(string) {}
func (p *plainReader) close() error      { return nil }

// terminalReader edits lines on the terminal with peterh/liner and keeps
// the history in a file.
type terminalReader struct {
	st   *liner.State
	path string // history file, or "" for none
}

// historyFile is the history's name in the user's home directory.
const historyFile = ".sluice_history"

func historyPath() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, historyFile)
}

func newTerminalReader(path string) *terminalReader {
	st := liner.NewLiner()
	st.SetCtrlCAborts(true)
	t := &terminalReader{st: st, path: path}
	if path != "" {
		if f, err := os.Open(path); err == nil {
			_, _ = st.ReadHistory(f) // a damaged history is no reason to fail
			f.Close()
		}
	}
	return t
}

func (t *terminalReader) readLine(prompt string) (string, error) {
	line, err := t.st.Prompt(prompt)
	if errors.Is(err, liner.ErrPromptAborted) {
		return "", errInterrupted
	}
	return line, err
}

func (t *terminalReader) addHistory(stmt string) {
	if secret(stmt) {
		return
	}
	// liner's history holds lines: a statement typed over several lines
	// comes back as one.
	t.st.AppendHistory(strings.Join(strings.Fields(stmt), " ") + ";")
}

func (t *terminalReader) close() error {
	var err error
	if t.path != "" {
		var f *os.File
		if f, err = os.OpenFile(t.path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600); err == nil {
			_, err = t.st.WriteHistory(f)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
	}
	if cerr := t.st.Close(); err == nil {
		err = cerr
	}
	return err
}

// secretPattern matches statements that may carry a password: user
// management, and pipes or sinks with password attributes.
var secretPattern = regexp.MustCompile(`(?i)^\s*(create|alter)\s+user\b|password`)

// secret reports whether stmt should stay out of the history file.
func secret(stmt string) bool { return secretPattern.MatchString(stmt) }
