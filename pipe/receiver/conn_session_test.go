package receiver

import (
	"context"
	"testing"

	"github.com/sluicedb/sluice/clientconn"
	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe/transfer"
	"github.com/sluicedb/sluice/status"
)

// idConn is a connection with a fixed id.
type idConn uint64

func (c idConn) ID() uint64   { return uint64(c) }
func (idConn) Remote() string { return "10.0.0.9:4000" }
func (idConn) Authenticate()  {}
func onConn(id uint64) context.Context {
	return clientconn.With(context.Background(), idConn(id))
}

// TestEmptyTokenIsTheConnectionsSession: tablets without a token (an
// air-gap sender's, which never sees the handshake's answer) are the
// session of the connection that handshook, and of no other.
func TestEmptyTokenIsTheConnectionsSession(t *testing.T) {
	e := newEnv(t)
	tablets := transfer.EncodeTablets(transfer.Tablets{Tablets: []*model.Tablet{sampleTablet()}})

	// Before any handshake an empty token is unknown.
	wantStatus(t, e.r.Handle(onConn(7), request(transfer.TypeTablets, tablets)), CodeHandshakeRequired, HandshakeRequiredPrefix)

	hs := transfer.EncodeHandshake(goodHandshake())
	wantStatus(t, e.r.Handle(onConn(7), request(transfer.TypeHandshake, hs)), status.Success, "")
	wantStatus(t, e.r.Handle(onConn(7), request(transfer.TypeTablets, tablets)), status.Success, "")
	if got := e.target.takeInserts(); len(got) != 1 || got[0].origin != "cluster-a" {
		t.Fatalf("inserts %+v, want one from cluster-a", got)
	}

	// Another connection gets nothing from connection 7's handshake.
	wantStatus(t, e.r.Handle(onConn(8), request(transfer.TypeTablets, tablets)), CodeHandshakeRequired, HandshakeRequiredPrefix)

	// A changed password ends the session, token or not.
	e.target.setStamp("v2")
	wantStatus(t, e.r.Handle(onConn(7), request(transfer.TypeTablets, tablets)), CodeHandshakeRequired, "changed or dropped")

	// A closed connection takes its session with it.
	e.target.setStamp("v1")
	wantStatus(t, e.r.Handle(onConn(7), request(transfer.TypeHandshake, hs)), status.Success, "")
	e.r.ConnClosed(7)
	wantStatus(t, e.r.Handle(onConn(7), request(transfer.TypeTablets, tablets)), CodeHandshakeRequired, HandshakeRequiredPrefix)
	if got := e.target.takeInserts(); len(got) != 0 {
		t.Fatalf("refused transfers wrote %+v", got)
	}
}
