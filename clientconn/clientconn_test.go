package clientconn

import (
	"context"
	"testing"
)

type fakeConn struct{ authenticated bool }

func (*fakeConn) ID() uint64      { return 7 }
func (*fakeConn) Remote() string  { return "10.0.0.1:5000" }
func (f *fakeConn) Authenticate() { f.authenticated = true }

func TestWithFrom(t *testing.T) {
	if _, ok := From(context.Background()); ok {
		t.Fatal("a bare context carries a connection")
	}
	f := &fakeConn{}
	c, ok := From(With(context.Background(), f))
	if !ok || c.ID() != 7 || c.Remote() != "10.0.0.1:5000" {
		t.Fatalf("From = %v, %v", c, ok)
	}
	c.Authenticate()
	if !f.authenticated {
		t.Fatal("Authenticate did not reach the connection")
	}
}
