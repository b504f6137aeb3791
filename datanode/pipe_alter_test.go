package datanode

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/seal"
	"github.com/sluicedb/sluice/status"
)

// TestAlterPipeRefusedChangesNothing: an ALTER PIPE that is invalid in
// any way is refused with a message naming the problem, and the pipe
// keeps its definition, revision and state.
func TestAlterPipeRefusedChangesNothing(t *testing.T) {
	n := startNode(t, t.TempDir())
	n.mustExec("create pipe p with source ('source.pattern'='root.a') with sink ('sink'='do-nothing-sink')")
	n.mustExec("stop pipe p")
	n.mustExec("create user alice 'secret12'")
	n.mustExec("grant USE_PIPE on root.** to user alice")
	before := n.pipeRow("p")
	for _, c := range []struct {
		user, sql string
		code      status.Code
		msg       string
	}{
		{"root", "alter pipe p modify source ('source.patern'='root.b')", status.PipeError, "did you mean 'source.pattern'?"},
		{"root", "alter pipe nosuch modify sink ('sink'='do-nothing-sink')", status.PipeError, "Failed to alter pipe nosuch, the pipe does not exist"},
		{"root", "alter pipe p replace sink ('sink'='iotdb-thrift-sink', 'sink.ip'='127.0.0.1', 'sink.port'='70000')", status.PipeError, "70000"},
		{"root", fmt.Sprintf("alter pipe p replace sink ('sink'='iotdb-thrift-sink', 'sink.ip'='127.0.0.1', 'sink.port'='%s')", n.dn.rpcPort()),
			status.PipeError, "cannot sync a cluster to itself"},
		{"root", "alter pipe p replace sink ()", status.PipeError, "SINK clause"},
		{"root", "alter pipe p modify processor ('processor'='no-such-processor')", status.PipeError, "unknown plugin"},
		{"root", "alter pipe p modify source ('pattern'='root.b', 'source.pattern'='root.c')", status.PipeError, "given twice"},
		{"alice", "alter pipe p modify sink ('sink.x'='1')", status.PipeError, "do-nothing-sink takes no parameters"},
		{"alice", "alter pipe p modify source ('source.pattern'='root.b')", status.NoPermission, "READ_DATA on root.**"},
	} {
		_, err := n.exec(c.user, c.sql)
		if status.CodeOf(err) != c.code || !strings.Contains(fmt.Sprint(err), c.msg) {
			t.Errorf("%s as %s: %v, want %d with %q", c.sql, c.user, err, c.code, c.msg)
		}
		if after := n.pipeRow("p"); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("%s changed the pipe:\n%v\n%v", c.sql, before, after)
		}
	}
	if p, _ := n.dn.pipeNamed("p"); p.Revision != 0 || p.Owner != "root" {
		t.Fatalf("refused ALTERs left revision %d, owner %s", p.Revision, p.Owner)
	}
	if _, err := n.exec("root", "alter pipe if exists nosuch modify sink ('sink'='do-nothing-sink')"); err != nil {
		t.Fatalf("ALTER PIPE IF EXISTS of a missing pipe: %v", err)
	}
	// Equal attributes: nothing to commit, nothing restarts.
	n.mustExec("alter pipe p modify source ('source.pattern'='root.a') modify sink ()")
	if p, _ := n.dn.pipeNamed("p"); p.Revision != 0 {
		t.Fatalf("an ALTER that changes nothing committed revision %d", p.Revision)
	}
}

// TestAlterPipeByAnotherUser: a user with USE_PIPE who may read what the
// altered source selects may alter another user's pipe, and becomes its
// owner; the pipe stays stopped.
func TestAlterPipeByAnotherUser(t *testing.T) {
	n := startNode(t, t.TempDir())
	n.mustExec("create pipe p with sink ('sink'='do-nothing-sink')")
	n.mustExec("stop pipe p")
	n.mustExec("create user alice 'secret12'")
	n.mustExec("grant USE_PIPE on root.** to user alice")
	n.mustExec("grant READ_DATA on root.a.** to user alice")
	if _, err := n.exec("alice", "alter pipe p modify source ('source.pattern'='root.a.')"); err != nil {
		t.Fatal(err)
	}
	p, _ := n.dn.pipeNamed("p")
	if p.Owner != "alice" || p.Revision != 1 || p.State != "STOPPED" || p.ReadScope.String() != "root.a.**" {
		t.Fatalf("after ALTER by alice: %+v", p)
	}
	if row := n.pipeRow("p"); row["PipeSource"] != "{source.pattern=root.a.}" || row["State"] != "STOPPED" {
		t.Fatalf("SHOW PIPE after ALTER: %v", row)
	}
}

// TestAlterPipeKeepsSecretsSealed: MODIFY SINK merges into the sink's
// attributes with their passwords opened, and the result is stored with
// every password sealed again: the kept one still opens to what was
// written at CREATE, a new one to its new value.
func TestAlterPipeKeepsSecretsSealed(t *testing.T) {
	keyDir := t.TempDir()
	if err := seal.CreateKeyFile(keyDir); err != nil {
		t.Fatal(err)
	}
	key, err := seal.LoadKey(keyDir)
	if err != nil {
		t.Fatal(err)
	}
	n := startNode(t, t.TempDir(), func(c *Config) { c.SealKey = key })
	n.mustExec("create pipe p with sink ('sink'='iotdb-thrift-sink', 'sink.ip'='127.0.0.1', 'sink.port'='1', 'sink.password'='first-pw')")
	n.mustExec("stop pipe p")
	password := func() string {
		t.Helper()
		p, _ := n.dn.pipeNamed("p")
		for _, a := range p.Sink {
			if strings.HasSuffix(a.Key, "password") {
				if !seal.IsSealed(a.Value) {
					t.Fatalf("stored password %q is not sealed", a.Value)
				}
				v, err := key.Open(a.Value)
				if err != nil {
					t.Fatal(err)
				}
				return v
			}
		}
		t.Fatalf("no password in %v", p.Sink)
		return ""
	}
	n.mustExec("alter pipe p modify sink ('sink.port'='2')")
	if got := password(); got != "first-pw" {
		t.Fatalf("kept password opens to %q", got)
	}
	n.mustExec("alter pipe p modify sink ('password'='second-pw')")
	if got := password(); got != "second-pw" {
		t.Fatalf("new password opens to %q", got)
	}
	if row := n.pipeRow("p"); strings.Contains(row["PipeSink"], "second-pw") || !strings.Contains(row["PipeSink"], "sink.port=2") {
		t.Fatalf("SHOW PIPE: %v", row)
	}
}

// TestAlterPipeByAnotherUserRestatesSecrets: a user other than the owner
// cannot keep the owner's sink password through an ALTER, with or without
// a SINK clause (they would become the owner and could then send it
// anywhere); restating it, or the owner altering, is allowed.
func TestAlterPipeByAnotherUserRestatesSecrets(t *testing.T) {
	n := startNode(t, t.TempDir())
	n.mustExec("create pipe p with sink ('sink'='iotdb-thrift-sink', 'sink.ip'='127.0.0.1', 'sink.port'='1', 'sink.password'='owner-pw')")
	n.mustExec("stop pipe p")
	n.mustExec("create user alice 'secret12'")
	n.mustExec("grant USE_PIPE on root.** to user alice")
	n.mustExec("grant READ_DATA on root.** to user alice")
	for _, sql := range []string{
		"alter pipe p modify sink ('sink.ip'='10.0.0.9')",
		"alter pipe p modify source ('source.pattern'='root.a.')",
	} {
		_, err := n.exec("alice", sql)
		if status.CodeOf(err) != status.NoPermission || !strings.Contains(fmt.Sprint(err), "sink.password") {
			t.Fatalf("%s by another user: %v, want %d naming sink.password", sql, err, status.NoPermission)
		}
	}
	if p, _ := n.dn.pipeNamed("p"); p.Owner != "root" || p.Revision != 0 {
		t.Fatalf("a refused ALTER changed the pipe: %+v", p)
	}
	if _, err := n.exec("alice", "alter pipe p modify sink ('sink.ip'='10.0.0.9', 'sink.password'='alice-pw')"); err != nil {
		t.Fatalf("restating the password: %v", err)
	}
	if p, _ := n.dn.pipeNamed("p"); p.Owner != "alice" {
		t.Fatalf("owner after alice's ALTER: %q", p.Owner)
	}
	if _, err := n.exec("alice", "alter pipe p modify sink ('sink.port'='2')"); err != nil {
		t.Fatalf("the owner keeping her own password: %v", err)
	}
}
