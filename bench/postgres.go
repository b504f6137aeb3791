package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	osexec "os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// PostgresBinDir is where Debian's postgresql-15 package puts initdb and
// pg_ctl.
const PostgresBinDir = "/usr/lib/postgresql/15/bin"

// ErrNoPostgres is returned when the PostgreSQL binaries are missing and
// the benchmark may not install them.
var ErrNoPostgres = errors.New("PostgreSQL 15 not found")

// FindPostgres checks that initdb and pg_ctl are in binDir. When they are
// not and install is set and the process runs as root, it installs them
// with apt-get, telling out; otherwise the error (wrapping ErrNoPostgres)
// names the command to run.
func FindPostgres(ctx context.Context, binDir string, install bool, out io.Writer) error {
	have := func() bool {
		for _, b := range []string{"initdb", "pg_ctl", "postgres"} {
			if _, err := os.Stat(filepath.Join(binDir, b)); err != nil {
				return false
			}
		}
		return true
	}
	if have() {
		return nil
	}
	if !install || os.Geteuid() != 0 {
		return fmt.Errorf("%w in %s: install it with `apt-get install -y postgresql-15` (as root)", ErrNoPostgres, binDir)
	}
	fmt.Fprintln(out, "PostgreSQL 15 not found: apt-get install -y postgresql-15")
	install15 := func() error {
		cmd := osexec.CommandContext(ctx, "apt-get", "install", "-y", "postgresql-15")
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = out, out
		return cmd.Run()
	}
	if err := install15(); err != nil {
		// A fresh machine has no package lists yet.
		update := osexec.CommandContext(ctx, "apt-get", "update")
		update.Stdout, update.Stderr = out, out
		if uerr := update.Run(); uerr != nil {
			return fmt.Errorf("apt-get update: %w", uerr)
		}
		if err := install15(); err != nil {
			return fmt.Errorf("apt-get install -y postgresql-15: %w", err)
		}
	}
	if !have() {
		return fmt.Errorf("%w in %s after apt-get install -y postgresql-15", ErrNoPostgres, binDir)
	}
	return nil
}

// pgInstance is a PostgreSQL server of the benchmark's own: a cluster
// initialised in a temporary directory, listening on a free loopback port,
// trusting local connections of its superuser "bench". PostgreSQL refuses
// to run as root: as root, the server runs as the "postgres" system user
// that Debian's package creates, and owns its directory.
type pgInstance struct {
	binDir string
	dir    string // removed by stop
	port   int
	cred   *syscall.Credential // nil: run as this process's user
	cpus   []int               // cores the server runs on; none: not pinned
}

// pgUser is the PostgreSQL superuser of the benchmark's instances.
const pgUser = "bench"

// startPostgres initialises and starts an instance, pinned to cpus when
// given; settings are extra server settings (name=value, e.g.
// wal_level=logical).
func startPostgres(ctx context.Context, binDir string, cpus []int, settings ...string) (*pgInstance, error) {
	dir, err := os.MkdirTemp("", "sluice-bench-pg-")
	if err != nil {
		return nil, err
	}
	p := &pgInstance{binDir: binDir, dir: dir, cpus: cpus}
	if os.Geteuid() == 0 {
		if p.cred, err = systemUser("postgres"); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		if err := os.Chown(dir, int(p.cred.Uid), int(p.cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	if p.port, err = freePort(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if err := p.run(ctx, "initdb", "-D", data, "-U", pgUser, "--auth=trust", "--no-locale", "--encoding=UTF8", "--no-sync", "--no-instructions"); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	opts := []string{"-c port=" + strconv.Itoa(p.port), "-c listen_addresses=127.0.0.1", "-c unix_socket_directories=" + dir}
	for _, s := range settings {
		opts = append(opts, "-c "+s)
	}
	if err := p.run(ctx, "pg_ctl", "-D", data, "-l", filepath.Join(dir, "server.log"), "-w", "-t", "60", "-o", strings.Join(opts, " "), "start"); err != nil {
		p.stop()
		return nil, fmt.Errorf("%w (server log: %s)", err, p.logTail())
	}
	return p, nil
}

// run runs one of the PostgreSQL binaries as the instance's user, in its
// own process group so that a Ctrl-C at the terminal reaches the benchmark
// (which then stops the server) and not the server itself. On a pinned
// instance it runs under taskset: pg_ctl's postmaster, and every backend
// and WAL sender or apply worker it forks, inherit the mask.
func (p *pgInstance) run(ctx context.Context, name string, args ...string) error {
	path := filepath.Join(p.binDir, name)
	if len(p.cpus) > 0 {
		taskset, err := osexec.LookPath("taskset")
		if err != nil {
			return fmt.Errorf("pinning PostgreSQL needs taskset (util-linux): %w", err)
		}
		args = append([]string{"-c", formatCPUList(p.cpus), path}, args...)
		path = taskset
	}
	cmd := osexec.CommandContext(ctx, path, args...)
	cmd.Dir = p.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: p.cred}
	var outBuf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &outBuf, &outBuf
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(outBuf.String()))
	}
	return nil
}

// stop shuts the server down at once and removes its directory; it needs
// no context so that it runs after a cancelled one too.
func (p *pgInstance) stop() {
	data := filepath.Join(p.dir, "data")
	if _, err := os.Stat(filepath.Join(data, "postmaster.pid")); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_ = p.run(ctx, "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
		cancel()
	}
	os.RemoveAll(p.dir)
}

// connString is a pgx connection string for the instance's database.
func (p *pgInstance) connString() string { return connString(p.port) }

func connString(port int) string {
	return fmt.Sprintf("host=127.0.0.1 port=%d user=%s dbname=postgres sslmode=disable", port, pgUser)
}

// logTail is the end of the server's log, for error messages.
func (p *pgInstance) logTail() string {
	b, err := os.ReadFile(filepath.Join(p.dir, "server.log"))
	if err != nil {
		return "none"
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// systemUser is the credential of a local user, to run PostgreSQL as.
func systemUser(name string) (*syscall.Credential, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL refuses to run as root and there is no %q user to run it as (Debian's postgresql-15 package creates it): %w", name, err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("user %s: uid %q: %w", name, u.Uid, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("user %s: gid %q: %w", name, u.Gid, err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// freePort is a loopback TCP port nothing listens on right now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
