package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"
)

// fakeClock advances 12 ms per reading, so every statement "costs" 0.012s.
func fakeClock() func() time.Time {
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time {
		t = t.Add(12 * time.Millisecond)
		return t
	}
}

// newFake returns an executor that knows a few statements.
func newFake() *fakeExecutor {
	results := sampleResults()
	return &fakeExecutor{
		results: map[string]func() rows{
			"select * from root.sg.d1": func() rows { return results["query"]() },
			"show databases":           func() rows { return results["show"]() },
			"select s1 from root.none": func() rows { return results["empty"]() },
			"select broken": func() rows {
				return &sliceRows{names: []string{"v"}, withTime: true, data: []row{{1, []any{int32(1)}}}, err: errors.New("request to 127.0.0.1:6667 failed: EOF")}
			},
		},
		errs: map[string]error{
			"bad sql":         &statusError{code: 700, msg: "line 1:0 mismatched input 'bad'"},
			"drop database x": &statusError{code: 500, msg: "root.x does not exist"},
			"lost":            errors.New("request to 127.0.0.1:6667 failed: EOF"),
		},
	}
}

func TestMainExitCodes(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		stdin string
		code  int
		ran   []string // nil: do not check
	}{
		{name: "e-success", args: []string{"-e", "create database root.sg; select * from root.sg.d1; show databases;"},
			code: 0, ran: []string{"create database root.sg", "select * from root.sg.d1", "show databases"}},
		{name: "e-empty-result", args: []string{"-e", "select s1 from root.none"}, code: 0},
		{name: "e-failure-stops", args: []string{"-e", "create database root.sg; bad sql; show databases"},
			code: 1, ran: []string{"create database root.sg", "bad sql"}},
		{name: "e-transport-error", args: []string{"-e", "lost; show databases"}, code: 1, ran: []string{"lost"}},
		{name: "e-error-mid-result", args: []string{"-e", "select broken; show databases"}, code: 1, ran: []string{"select broken"}},
		{name: "e-quit", args: []string{"-e", "show databases; quit; drop database x"}, code: 0, ran: []string{"show databases"}},
		{name: "e-blank", args: []string{"-e", " ; "}, code: 0, ran: []string{}},
		{name: "e-csv", args: []string{"--format", "csv", "-e", "select * from root.sg.d1; create database root.sg; show databases"}, code: 0},
		{name: "e-json", args: []string{"-format=json", "-e", "select * from root.sg.d1; create database root.sg; show databases"}, code: 0},
		{name: "stdin-script", stdin: "create database root.sg;\nselect *\nfrom root.sg.d1;\nshow databases", code: 0,
			ran: []string{"create database root.sg", "select *\nfrom root.sg.d1", "show databases"}},
		{name: "stdin-failure-stops", stdin: "create database root.sg;\ndrop database x;\nshow databases;\n", code: 1,
			ran: []string{"create database root.sg", "drop database x"}},
		{name: "stdin-quit", stdin: "show databases;\nexit;\nbad sql;\n", code: 0, ran: []string{"show databases"}},
		{name: "e-ignores-stdin", args: []string{"-e", "show databases"}, stdin: "bad sql;", code: 0, ran: []string{"show databases"}},
		{name: "usage-unknown-flag", args: []string{"-x"}, code: 2},
		{name: "usage-bad-format", args: []string{"--format", "xml"}, code: 2},
		{name: "usage-bad-port", args: []string{"-p", "70000"}, code: 2},
		{name: "usage-extra-arg", args: []string{"show databases"}, code: 2},
		{name: "help", args: []string{"--help"}, code: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFake()
			var stdout, stderr bytes.Buffer
			e := env{
				dial: func(ctx context.Context, cfg connConfig) (executor, error) { return fake, nil },
				loc:  shanghai,
				now:  fakeClock(),
			}
			code := run(context.Background(), tt.args, strings.NewReader(tt.stdin), &stdout, &stderr, e)
			if code != tt.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			if tt.ran != nil && !slices.Equal(fake.ran, tt.ran) && !(len(tt.ran) == 0 && len(fake.ran) == 0) {
				t.Errorf("ran %q, want %q", fake.ran, tt.ran)
			}
			for _, rs := range fake.opened {
				if !rs.closed {
					t.Errorf("result of %v left open", rs.names)
				}
			}
			if len(fake.ran) > 0 && !fake.closed {
				t.Error("session left open")
			}
			if !strings.HasPrefix(tt.name, "usage") && tt.name != "help" {
				checkGolden(t, "main-"+tt.name+".golden", transcript(&stdout, &stderr))
			}
		})
	}
}

func transcript(stdout, stderr *bytes.Buffer) []byte {
	return fmt.Appendf(nil, "--- stdout\n%s--- stderr\n%s", stdout, stderr)
}

func TestMainDialFailure(t *testing.T) {
	var stdout, stderr bytes.Buffer
	e := env{
		dial: func(ctx context.Context, cfg connConfig) (executor, error) {
			return nil, &connectError{addr: cfg.addr(), err: errors.New("connection refused")}
		},
		loc: time.UTC, now: time.Now,
	}
	code := run(context.Background(), []string{"-h", "db.example", "-p", "7000", "-e", "show databases"}, nil, &stdout, &stderr, e)
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if want := "Error: cannot connect to db.example:7000: connection refused\n"; stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout %q, want nothing", stdout.String())
	}
}

// TestMainConnectionRefused dials a real port nobody listens on.
func TestMainConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()

	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"-p", fmt.Sprint(port), "-e", "show databases"}, nil, &stdout, &stderr)
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	msg := stderr.String()
	if want := fmt.Sprintf("Error: cannot connect to 127.0.0.1:%d: ", port); !strings.HasPrefix(msg, want) ||
		strings.Count(msg, "\n") != 1 {
		t.Errorf("stderr %q, want one line starting %q", msg, want)
	}
}

// scriptedReader replays lines as if typed; an "^C" line is Ctrl-C.
type scriptedReader struct {
	lines   []string
	prompts []string
	history []string
	closed  bool
}

func (s *scriptedReader) readLine(prompt string) (string, error) {
	s.prompts = append(s.prompts, prompt)
	if len(s.lines) == 0 {
		return "", io.EOF
	}
	line := s.lines[0]
	s.lines = s.lines[1:]
	if line == "^C" {
		return "", errInterrupted
	}
	return line, nil
}

func (s *scriptedReader) addHistory(stmt string) { s.history = append(s.history, stmt) }
func (s *scriptedReader) close() error           { s.closed = true; return nil }

func TestShellInteractive(t *testing.T) {
	tests := []struct {
		name    string
		lines   []string
		ran     []string
		prompts []string
		code    int
	}{
		{
			name:    "session",
			lines:   []string{"show databases;", "select *", "from root.sg.d1;", "bad sql;", "create database root.sg; select s1 from root.none;", "quit"},
			ran:     []string{"show databases", "select *\nfrom root.sg.d1", "bad sql", "create database root.sg", "select s1 from root.none"},
			prompts: []string{promptFirst, promptFirst, promptContinue, promptFirst, promptFirst, promptFirst},
		},
		{
			name:    "ctrl-c-discards",
			lines:   []string{"select * from", "^C", "show databases;"},
			ran:     []string{"show databases"},
			prompts: []string{promptFirst, promptContinue, promptFirst, promptFirst},
		},
		{
			name:    "eof-discards-unfinished",
			lines:   []string{"show databases"},
			ran:     nil,
			prompts: []string{promptFirst, promptContinue},
		},
		{
			name:    "exit-in-statement-list",
			lines:   []string{"show databases; exit; bad sql;"},
			ran:     []string{"show databases"},
			prompts: []string{promptFirst},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFake()
			var stdout, stderr bytes.Buffer
			sh := newShell(fake, formatTable, shanghai, &stdout, &stderr)
			sh.now = fakeClock()
			in := &scriptedReader{lines: tt.lines}
			if code := sh.loop(context.Background(), in, true); code != tt.code {
				t.Errorf("exit code %d, want %d", code, tt.code)
			}
			if !slices.Equal(fake.ran, tt.ran) {
				t.Errorf("ran %q, want %q", fake.ran, tt.ran)
			}
			if !slices.Equal(in.history, tt.ran) {
				t.Errorf("history %q, want %q", in.history, tt.ran)
			}
			if !slices.Equal(in.prompts, tt.prompts) {
				t.Errorf("prompts %q, want %q", in.prompts, tt.prompts)
			}
			checkGolden(t, "shell-"+tt.name+".golden", transcript(&stdout, &stderr))
		})
	}
}

func TestShellStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	fake := newFake()
	fake.results["select slow"] = func() rows {
		cancel() // the user interrupts while rows arrive
		return &sliceRows{names: []string{"v"}, data: []row{{0, []any{int32(1)}}}}
	}
	var stdout, stderr bytes.Buffer
	sh := newShell(fake, formatTable, time.UTC, &stdout, &stderr)
	in := &scriptedReader{lines: []string{"select slow;", "show databases;"}}
	if code := sh.loop(ctx, in, true); code != exitFailure {
		t.Errorf("exit code %d, want %d", code, exitFailure)
	}
	if !slices.Equal(fake.ran, []string{"select slow"}) {
		t.Errorf("ran %q", fake.ran)
	}
	if got := stderr.String(); got != "Msg: interrupted\n" {
		t.Errorf("stderr %q", got)
	}
}

func TestSecretStatementsStayOutOfHistory(t *testing.T) {
	for stmt, want := range map[string]bool{
		"CREATE USER alice 'pw'":                        true,
		"  alter  user alice set password 'x'":          true,
		"create pipe p with sink ('sink.password'='x')": true,
		"show databases":                                false,
		"select user from root.sg.d1":                   false,
	} {
		if got := secret(stmt); got != want {
			t.Errorf("secret(%q) = %v, want %v", stmt, got, want)
		}
	}
}
