package proc

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary builds ./cmd/sluice once per test process and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sluice-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "sluice")
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/sluice")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Standalone is a `sluice standalone` child process.
type Standalone struct {
	t       testing.TB
	DataDir string
	Port    int
	Env     []string
	cmd     *exec.Cmd
	log     *syncBuffer
	done    chan error
}

// StartStandalone runs `sluice standalone` on a fresh data dir and free
// port, and waits until it accepts clients. It is stopped at test cleanup.
func StartStandalone(t testing.TB, env ...string) *Standalone {
	t.Helper()
	s := NewStandalone(t, env...)
	s.Start()
	return s
}

// NewStandalone is StartStandalone without the start: change DataDir or
// Env, then Start. It is stopped at test cleanup.
func NewStandalone(t testing.TB, env ...string) *Standalone {
	t.Helper()
	s := &Standalone{t: t, DataDir: t.TempDir(), Port: FreePort(t), Env: env}
	t.Cleanup(func() { s.Kill() })
	return s
}

// Pid is the running process's id; 0 when it is not running.
func (s *Standalone) Pid() int {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Exited reports whether the started process has exited, and its wait
// error, without waiting.
func (s *Standalone) Exited() (bool, error) {
	if s.cmd == nil {
		return false, nil
	}
	select {
	case err := <-s.done:
		s.done <- err
		return true, err
	default:
		return false, nil
	}
}

// Addr is the client address host:port.
func (s *Standalone) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)) }

// Start (re)starts the process on its data dir and port.
func (s *Standalone) Start() {
	s.t.Helper()
	s.log = &syncBuffer{}
	s.cmd = exec.Command(Binary(s.t), "standalone", "--data-dir", s.DataDir, "--rpc-port", strconv.Itoa(s.Port))
	s.cmd.Env = append(append(os.Environ(), "dn_metrics_port=0"), s.Env...)
	s.cmd.Stdout = s.log
	s.cmd.Stderr = s.log
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.done = make(chan error, 1)
	go func(cmd *exec.Cmd, done chan error) { done <- cmd.Wait() }(s.cmd, s.done)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		c, err := net.DialTimeout("tcp", s.Addr(), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		select {
		case err := <-s.done:
			s.t.Fatalf("sluice standalone exited during start: %v\n%s", err, s.log.String())
		case <-ctx.Done():
			s.t.Fatalf("sluice standalone did not listen on %s within 60s\n%s", s.Addr(), s.log.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Stop sends SIGTERM and waits; it fails the test unless the exit is 0.
func (s *Standalone) Stop() {
	s.t.Helper()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		if err != nil {
			s.t.Fatalf("sluice exited with %v after SIGTERM\n%s", err, s.log.String())
		}
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		s.t.Fatalf("sluice did not exit within 30s of SIGTERM\n%s", s.log.String())
	}
	s.cmd = nil
}

// Kill sends SIGKILL (kill -9) and reaps the process.
func (s *Standalone) Kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// Log returns what the process has written so far.
func (s *Standalone) Log() string { return s.log.String() }

// syncBuffer is a bytes.Buffer safe for the exec copier and readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
