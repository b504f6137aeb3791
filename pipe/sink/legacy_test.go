package sink

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicedb/sluice/datanode/clientrpc"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe"
	"github.com/sluicedb/sluice/sql/ast"
	"github.com/sluicedb/sluice/status"
)

// fakeBackend is a DataNode behind the real client RPC server: it checks
// root/root and records the tablets written; fail, when set, decides the
// outcome of writes.
type fakeBackend struct {
	mu      sync.Mutex
	inserts []*ast.InsertTablets
	fail    func() error
}

func (f *fakeBackend) Login(_ context.Context, user, password string) error {
	if user != "root" || password != "root" {
		return status.Errorf(status.WrongLoginPassword, "authentication failed for user %s", user)
	}
	return nil
}

func (f *fakeBackend) Run(_ context.Context, _ string, _ *time.Location, stmt ast.Statement) (*model.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		if err := f.fail(); err != nil {
			return nil, err
		}
	}
	ins, ok := stmt.(*ast.InsertTablets)
	if !ok {
		return nil, status.Errorf(status.UnsupportedOperation, "fake backend runs inserts only, not %T", stmt)
	}
	f.inserts = append(f.inserts, ins)
	return nil, nil
}

func (f *fakeBackend) setFail(fn func() error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = fn
}

func (f *fakeBackend) take() []*ast.InsertTablets {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.inserts
	f.inserts = nil
	return out
}

// startClientRPC serves the real TSIService on a free port.
func startClientRPC(t *testing.T) (*fakeBackend, *clientrpc.Server) {
	t.Helper()
	be := &fakeBackend{}
	srv := clientrpc.New(clientrpc.Config{Addr: "127.0.0.1:0"}, be, nil, nil)
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return be, srv
}

func legacyAttrs(addrs ...string) map[string]string {
	return map[string]string{"sink": PluginLegacy, "node-urls": strings.Join(addrs, ",")}
}

func TestLegacyTransfersTablets(t *testing.T) {
	be, srv := startClientRPC(t)
	s, err := New(legacyAttrs(srv.Addr().String()), Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	b := richBatch()
	if err := s.Transfer(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	got := be.take()
	// One insertTablets per run of equal alignment: d1 | d2 (aligned) | p.
	if len(got) != 3 {
		t.Fatalf("%d inserts, want 3", len(got))
	}
	for i, ins := range got {
		if len(ins.Tablets) != 1 || !ins.Typed {
			t.Fatalf("insert %d: %d tablets, typed %v", i, len(ins.Tablets), ins.Typed)
		}
		if err := sameTablet(ins.Tablets[0], b.Tablets[i]); err != nil {
			t.Fatalf("tablet %d: %v", i, err)
		}
	}
	if s.TargetClusterID() != "" {
		t.Fatalf("TargetClusterID = %q", s.TargetClusterID())
	}
}

func TestLegacyErrors(t *testing.T) {
	tests := []struct {
		name    string
		attrs   func(addr string) map[string]string
		fail    func() error
		fatal   bool
		wantMsg string
	}{
		{name: "wrong password", attrs: func(addr string) map[string]string {
			a := legacyAttrs(addr)
			a["password"] = "nope"
			return a
		}, fatal: true, wantMsg: "authentication failed for user root (code 801)"},
		{name: "type mismatch", fail: func() error {
			return status.Errorf(status.DataTypeMismatch, "data type of root.sg.d1.s is INT32, not TEXT")
		}, fatal: true, wantMsg: "not TEXT (code 614)"},
		{name: "path not exist", fail: func() error {
			return status.Errorf(status.PathNotExist, "root.sg.d1.s does not exist")
		}, fatal: true, wantMsg: "(code 508)"},
		{name: "internal error", fail: func() error {
			return status.Errorf(status.InternalServerError, "disk hiccup")
		}, fatal: false, wantMsg: "disk hiccup (code 305)"},
		{name: "write reject", fail: func() error {
			return status.Errorf(status.WriteProcessReject, "memory is full")
		}, fatal: false, wantMsg: "(code 606)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be, srv := startClientRPC(t)
			be.setFail(tt.fail)
			attrs := legacyAttrs(srv.Addr().String())
			if tt.attrs != nil {
				attrs = tt.attrs(srv.Addr().String())
			}
			s, err := New(attrs, Config{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			err = s.Transfer(t.Context(), richBatch())
			if err == nil {
				t.Fatal("Transfer succeeded")
			}
			if errors.Is(err, pipe.ErrFatal) != tt.fatal {
				t.Fatalf("fatal = %v, want %v: %v", !tt.fatal, tt.fatal, err)
			}
			prefix := PluginLegacy + " " + srv.Addr().String() + ": "
			if !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("error %q, want %q...%q", err, prefix, tt.wantMsg)
			}
		})
	}
}

func TestLegacyFailoverAndReconnect(t *testing.T) {
	be, srv := startClientRPC(t)
	s, err := New(legacyAttrs(deadAddr(t), srv.Addr().String()), Config{Timeout: 5 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Transfer(t.Context(), testBatch(1)); err != nil {
		t.Fatal(err)
	}
	// A restarted server drops the connection and the session: the next
	// transfer reconnects by itself.
	srv2 := s.(*legacySink)
	srv2.mu.Lock()
	srv2.conn.nc.Close()
	srv2.mu.Unlock()
	if err := s.Transfer(t.Context(), testBatch(2)); err != nil {
		t.Fatal(err)
	}
	if n := len(be.take()); n != 2 {
		t.Fatalf("%d inserts, want 2", n)
	}
}

func TestLegacyNoTarget(t *testing.T) {
	s, err := New(legacyAttrs(deadAddr(t)), Config{Timeout: time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Transfer(t.Context(), testBatch(1))
	if err == nil || errors.Is(err, pipe.ErrFatal) || !strings.Contains(err.Error(), "no target available") {
		t.Fatalf("Transfer = %v, want a transient 'no target available'", err)
	}
}

// sameTablet compares tablets value by value.
func sameTablet(got, want *model.Tablet) error {
	if got.Device.String() != want.Device.String() || got.Aligned != want.Aligned {
		return fmt.Errorf("device %s aligned %v, want %s %v", got.Device, got.Aligned, want.Device, want.Aligned)
	}
	if fmt.Sprint(got.Measurements) != fmt.Sprint(want.Measurements) || fmt.Sprint(got.Times) != fmt.Sprint(want.Times) {
		return fmt.Errorf("measurements %q times %v, want %q %v", got.Measurements, got.Times, want.Measurements, want.Times)
	}
	for j := range want.Columns {
		g, w := &got.Columns[j], &want.Columns[j]
		if g.Type != w.Type {
			return fmt.Errorf("column %d type %s, want %s", j, g.Type, w.Type)
		}
		for i := range want.Times {
			if gv, wv := g.Value(i), w.Value(i); gv != wv {
				return fmt.Errorf("column %s row %d = %#v, want %#v", want.Measurements[j], i, gv, wv)
			}
		}
	}
	return nil
}
