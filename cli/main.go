package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"time"

	"github.com/mattn/go-isatty"
)

// Version is the version the banner shows. cmd/sluice sets it (or the
// linker, with -X); when it is empty the module's build version is used.
var Version string

// Defaults of the flags, as IoTDB's start-cli.sh has them.
const (
	defaultHost     = "127.0.0.1"
	defaultPort     = 6667
	defaultUser     = "root"
	defaultPassword = "root"

	connectTimeout = 5 * time.Second
	fetchSize      = 1024 // the official client's default page size
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // connection failure, or a failed statement outside the interactive shell
	exitUsage   = 2
)

// options are the parsed command line.
type options struct {
	conn    connConfig
	execute string // the -e script
	hasExec bool   // -e was given, even if empty
	format  string
}

// parseFlags parses args (the arguments after "cli"). Usage and parse
// errors go to stderr.
func parseFlags(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("sluice cli", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		o     = options{conn: connConfig{connectTimeout: connectTimeout, fetchSize: fetchSize}}
		flags connFlags
	)
	flags.register(fs, &o.conn)
	fs.StringVar(&o.execute, "e", "", "execute the `statements` (separated by ';') and exit, stopping at the first failure")
	fs.StringVar(&o.format, "format", formatTable, "result `format`: table, csv or json")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: sluice cli [-h host] [-p port] [-u user] [-pw password] [-usessl true [-ts ca.pem]] [-e \"SQL; SQL\"] [--format table|csv|json]\n\n")
		fmt.Fprintf(fs.Output(), "Without -e, reads statements from the terminal (or from standard input\nwhen it is not a terminal), each ending with ';'.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, usageError(fs, "unexpected argument %q", fs.Arg(0))
	}
	if err := flags.apply(&o.conn); err != nil {
		return nil, usageError(fs, "%v", err)
	}
	switch o.format {
	case formatTable, formatCSV, formatJSON:
	default:
		return nil, usageError(fs, "invalid format %q: want table, csv or json", o.format)
	}
	fs.Visit(func(f *flag.Flag) { o.hasExec = o.hasExec || f.Name == "e" })
	return &o, nil
}

func usageError(fs *flag.FlagSet, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	fmt.Fprintln(fs.Output(), err)
	fs.Usage()
	return err
}

// Main runs `sluice cli` with args, the arguments after "cli", and returns
// the process exit code: 0 on success, 1 when the server cannot be reached
// or a statement fails (except in the interactive shell, which reports the
// failure and goes on), 2 for a bad command line.
//
// With -e it runs those statements. Otherwise it runs an interactive shell
// when stdin is the process's terminal, and else runs the statements read
// from stdin as a script. Cancelling ctx aborts the running statement and
// ends the shell.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return run(ctx, args, stdin, stdout, stderr, env{dial: dialSession, loc: time.Local, now: time.Now})
}

// env is what Main takes from the world; tests substitute fakes.
type env struct {
	dial func(ctx context.Context, cfg connConfig) (executor, error)
	loc  *time.Location   // the client's time zone
	now  func() time.Time // the clock that times statements
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, e env) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		return exitUsage
	}
	o.conn.loc = e.loc
	// liner edits os.Stdin itself, so only that file can be the terminal.
	interactive := !o.hasExec && stdin == io.Reader(os.Stdin) && isTerminal(os.Stdin) && isTerminal(stdout)

	exec, err := e.dial(ctx, o.conn)
	if err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return exitFailure
	}
	defer exec.close()

	sh := newShell(exec, o.format, o.conn.loc, stdout, stderr)
	sh.now = e.now
	switch {
	case o.hasExec:
		return sh.runScript(ctx, splitStatements(o.execute))
	case interactive:
		fmt.Fprintf(stdout, "Sluice CLI %s\nLogged in to %s as %s. Statements end with ';'; type quit or exit to leave.\n\n",
			version(), o.conn.addr(), o.conn.user)
		in := newTerminalReader(historyPath())
		defer in.close()
		return sh.loop(ctx, in, true)
	default:
		return sh.loop(ctx, newPlainReader(stdin), false)
	}
}

// isTerminal reports whether f is an *os.File attached to a terminal.
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && isatty.IsTerminal(file.Fd())
}

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
