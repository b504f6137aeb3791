package deploy

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sluicedb/sluice/test/proc"
)

// requireEnv, when SLUICE_DEPLOY_TESTS has this value, turns a missing
// tool into a failure instead of a skip (CI sets it: there the tools are
// installed, and a skip would hide a broken setup).
const requireEnv = "require"

// repoRoot is the repository's root directory.
func repoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root, err := filepath.Abs(filepath.Join(filepath.Dir(file), "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// repoPath is a path below the repository's root.
func repoPath(t testing.TB, parts ...string) string {
	t.Helper()
	return filepath.Join(append([]string{repoRoot(t)}, parts...)...)
}

// needTools skips the test, saying which are missing, unless every named
// command is on PATH; under SLUICE_DEPLOY_TESTS=require it fails instead.
func needTools(t testing.TB, names ...string) {
	t.Helper()
	var missing []string
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := fmt.Sprintf("needs %s on PATH (docker 20.10+ with docker-compose 1.29 or later; Prometheus 2.42 with promtool: apt-get install prometheus)", strings.Join(missing, ", "))
	if os.Getenv("SLUICE_DEPLOY_TESTS") == requireEnv {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// needDocker is needTools for docker and docker-compose, also checking
// that the docker daemon answers.
func needDocker(t testing.TB) {
	t.Helper()
	needTools(t, "docker", "docker-compose")
	if out, err := command(10*time.Second, "", nil, "docker", "version", "--format", "{{.Server.Version}}"); err != nil {
		msg := fmt.Sprintf("docker daemon not reachable: %v\n%s", err, out)
		if os.Getenv("SLUICE_DEPLOY_TESTS") == requireEnv {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}

// command runs name with args in dir (the test's working directory when
// ""), env added to the environment, killed after timeout; it returns the
// combined output.
func command(timeout time.Duration, dir string, env []string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%s %s: killed after %s: %w", name, strings.Join(args, " "), timeout, ctx.Err())
	}
	return out.String(), err
}

// mustCommand is command failing the test on an error.
func mustCommand(t testing.TB, timeout time.Duration, dir string, env []string, name string, args ...string) string {
	t.Helper()
	out, err := command(timeout, dir, env, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// waitFor polls cond every interval until it returns "" (done) or
// timeout passes, then fails the test with what and cond's last answer.
func waitFor(t testing.TB, timeout, interval time.Duration, what string, cond func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msg := cond()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s: %s", what, timeout, msg)
		}
		time.Sleep(interval)
	}
}

// httpGet fetches url and returns the body of a 200 answer.
func httpGet(url string) (string, error) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return string(b), errors.New(url + ": " + resp.Status)
	}
	return string(b), nil
}

// cli runs SQL statements with `sluice cli` against addr (host:port) as
// root and returns the output in CSV form; any failure fails the test.
func cli(t testing.TB, addr string, sqls ...string) string {
	t.Helper()
	out, err := tryCLI(t, addr, sqls...)
	if err != nil {
		t.Fatalf("sluice cli at %s: %v\n%s", addr, err, out)
	}
	return out
}

// tryCLI is cli returning the error.
func tryCLI(t testing.TB, addr string, sqls ...string) (string, error) {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return command(30*time.Second, "", nil, proc.Binary(t), "cli", "-h", host, "-p", port, "--format", "csv", "-e", strings.Join(sqls, "; "))
}

// csvRows parses the CSV `sluice cli` prints for one query into rows keyed
// by column name.
func csvRows(t testing.TB, out string) []map[string]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("not CSV with a header (%v):\n%s", err, out)
	}
	var rows []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, col := range recs[0] {
			if i < len(r) {
				m[col] = r[i]
			}
		}
		rows = append(rows, m)
	}
	return rows
}
