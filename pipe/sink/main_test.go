package sink

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"

	"github.com/apache/thrift/lib/go/thrift"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// thriftServer serves a processor with framed transport and binary
// protocol, as DataNode client ports do. kill drops every connection.
type thriftServer struct {
	ln   net.Listener
	wg   sync.WaitGroup
	mu   sync.Mutex
	conn map[net.Conn]struct{}
}

func serveThrift(t testing.TB, p thrift.TProcessor) *thriftServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return serveThriftOn(t, ln, p)
}

// serveThriftOn is serveThrift on a listener of the caller's (TLS).
func serveThriftOn(t testing.TB, ln net.Listener, p thrift.TProcessor) *thriftServer {
	t.Helper()
	s := &thriftServer{ln: ln, conn: map[net.Conn]struct{}{}}
	s.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conn[c] = struct{}{}
			s.mu.Unlock()
			s.wg.Go(func() { s.serve(c, p) })
		}
	})
	t.Cleanup(s.close)
	return s
}

func (s *thriftServer) serve(c net.Conn, p thrift.TProcessor) {
	defer func() {
		s.mu.Lock()
		delete(s.conn, c)
		s.mu.Unlock()
		c.Close()
	}()
	conf := &thrift.TConfiguration{}
	trans := thrift.NewTFramedTransportConf(thrift.NewTSocketFromConnConf(c, conf), conf)
	proto := thrift.NewTBinaryProtocolConf(trans, conf)
	for {
		_, err := p.Process(context.Background(), proto, proto)
		var ae thrift.TApplicationException
		if err != nil && !errors.As(err, &ae) {
			return
		}
		// Success, or an application error already answered: the stream
		// is intact.
	}
}

func (s *thriftServer) addr() string { return s.ln.Addr().String() }

// kill closes every open connection, as a restarted server would.
func (s *thriftServer) kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conn {
		c.Close()
	}
}

func (s *thriftServer) close() {
	s.ln.Close()
	s.kill()
	s.wg.Wait()
}

// deadAddr returns an address nothing listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
