package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Prompts of the interactive shell; the second continues a statement that
// has no ';' yet.
const (
	promptFirst    = "Sluice> "
	promptContinue = "     -> "
)

// shell executes statements and prints their outcomes.
type shell struct {
	exec   executor
	fmt    formatter
	table  bool // the table format adds IoTDB's messages and footers
	out    *bufio.Writer
	errOut io.Writer
	now    func() time.Time // for "It costs"; tests fix it
}

func newShell(exec executor, format string, loc *time.Location, stdout, stderr io.Writer) *shell {
	f, err := newFormatter(format, loc)
	if err != nil {
		panic("BUG: format not validated: " + err.Error())
	}
	return &shell{
		exec:   exec,
		fmt:    f,
		table:  format == formatTable,
		out:    bufio.NewWriterSize(stdout, 64<<10),
		errOut: stderr,
		now:    time.Now,
	}
}

// run executes stmt and prints its result, or "Msg: <code>: <message>" on
// the error output when it fails. It returns the failure.
func (sh *shell) run(ctx context.Context, stmt string) error {
	start := sh.now()
	err := sh.execute(ctx, stmt)
	if err == nil && sh.table {
		fmt.Fprintf(sh.out, "It costs %.3fs\n", sh.now().Sub(start).Seconds())
	}
	// Flush before reporting so that output and errors interleave in order
	// on a terminal.
	if ferr := sh.out.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			err = errors.New("interrupted")
		}
		fmt.Fprintf(sh.errOut, "Msg: %v\n", err)
	}
	return err
}

func (sh *shell) execute(ctx context.Context, stmt string) error {
	rs, err := sh.exec.execute(ctx, stmt)
	if err != nil {
		return err
	}
	if rs == nil {
		if sh.table {
			fmt.Fprintln(sh.out, "Msg: The statement is executed successfully.")
		}
		return nil
	}
	// The rows are all read or the statement failed; either way a failure
	// to release the query changes nothing the user asked for.
	defer rs.close()
	n, err := sh.fmt.write(ctx, sh.out, rs)
	if err != nil {
		return err
	}
	if sh.table {
		if n == 0 {
			fmt.Fprintln(sh.out, "Empty set.")
		} else {
			fmt.Fprintf(sh.out, "Total line number = %d\n", n)
		}
	}
	return nil
}

// runScript runs stmts in order and stops at the first failure, which makes
// the exit code 1. A quit or exit statement ends the script early.
func (sh *shell) runScript(ctx context.Context, stmts []string) int {
	for _, stmt := range stmts {
		if isQuit(stmt) {
			break
		}
		if err := sh.run(ctx, stmt); err != nil {
			return exitFailure
		}
	}
	return exitOK
}

// loop reads statements line by line until end of input or quit and runs
// them. Interactive, it prompts, keeps history, discards the statement in
// progress on Ctrl-C and goes on after a failure; otherwise it stops at the
// first failure with exit code 1 and runs a last statement that lacks ';'.
func (sh *shell) loop(ctx context.Context, in lineReader, interactive bool) int {
	var sp splitter
	for {
		if ctx.Err() != nil {
			return exitFailure
		}
		prompt := ""
		if interactive {
			prompt = promptFirst
			if sp.pending() {
				prompt = promptContinue
			}
		}
		line, err := in.readLine(prompt)
		switch {
		case errors.Is(err, errInterrupted):
			sp.rest()
			continue
		case errors.Is(err, io.EOF):
			last := sp.rest()
			if interactive || last == "" || isQuit(last) {
				return exitOK
			}
			return sh.runScript(ctx, []string{last})
		case err != nil:
			fmt.Fprintf(sh.errOut, "Error: read input: %v\n", err)
			return exitFailure
		}
		// Like IoTDB's shell, quit and exit need no ';'.
		if interactive && !sp.pending() && isQuit(line) {
			return exitOK
		}
		for _, stmt := range sp.feed(line + "\n") {
			if isQuit(stmt) {
				return exitOK
			}
			if interactive {
				in.addHistory(stmt)
			}
			if err := sh.run(ctx, stmt); err != nil && (!interactive || ctx.Err() != nil) {
				return exitFailure
			}
		}
	}
}
