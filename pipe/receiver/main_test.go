package receiver

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/pipe/transfer"
	"github.com/sluicedb/sluice/proto/pipethrift"
	"github.com/sluicedb/sluice/status"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const receiverCluster = "cluster-b"

// insertCall is one Target.Insert.
type insertCall struct {
	tablets []*model.Tablet
	origin  string
}

// fakeTarget accepts root/root and records what it is asked to write.
// authErr and insertErr, when set, are returned by Authorize and Insert.
type fakeTarget struct {
	mu        sync.Mutex
	authUsers []string
	inserts   []insertCall
	schema    []schemaCall
	authErr   error
	insertErr error
	stamp     string // Credential's answer; "" stands for a dropped user
	// afterLogin, when set, runs once a Login has checked the password.
	afterLogin func()
}

func (f *fakeTarget) ClusterID() string { return receiverCluster }

func (f *fakeTarget) Login(_ context.Context, user, password string) error {
	if user != "root" || password != "root" {
		return status.Errorf(status.WrongLoginPassword, "authentication failed for user %s", user)
	}
	if f.afterLogin != nil {
		f.afterLogin()
	}
	return nil
}

func (f *fakeTarget) Credential(user string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stamp == "" {
		return "", status.Errorf(status.UserNotExist, "user %s does not exist", user)
	}
	return f.stamp, nil
}

// setStamp stands for a password change (a new stamp) or DROP USER ("").
func (f *fakeTarget) setStamp(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stamp = s
}

func (f *fakeTarget) Authorize(user string, _ []*model.Tablet) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.authUsers = append(f.authUsers, user)
	return f.authErr
}

func (f *fakeTarget) Insert(_ context.Context, tablets []*model.Tablet, origin string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.insertErr != nil {
		return f.insertErr
	}
	f.inserts = append(f.inserts, insertCall{tablets: tablets, origin: origin})
	return nil
}

// schemaCall is one ApplySchema.
type schemaCall struct {
	user, origin string
	series       []model.Series
}

func (f *fakeTarget) ApplySchema(_ context.Context, user string, series []model.Series, origin string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.schema = append(f.schema, schemaCall{user: user, origin: origin, series: series})
	return nil
}

func (f *fakeTarget) takeInserts() []insertCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.inserts
	f.inserts = nil
	return out
}

// fakeClock is a settable time source for token expiry.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type env struct {
	r      *Receiver
	target *fakeTarget
	clock  *fakeClock
	reg    *prometheus.Registry
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{target: &fakeTarget{stamp: "v1"}, clock: &fakeClock{now: time.Unix(1_700_000_000, 0)}, reg: prometheus.NewRegistry()}
	e.r = New(e.target, nil, nil, e.reg)
	e.r.sessions.now = e.clock.Now
	return e
}

func goodHandshake() transfer.Handshake {
	return transfer.Handshake{ClusterID: "cluster-a", TimestampPrecision: "ms", User: "root", Password: "root", SenderVersion: "0.1.0"}
}

func request(typ int16, body []byte) *pipethrift.TPipeTransferReq {
	return &pipethrift.TPipeTransferReq{Version: transfer.Version, Type: typ, Body: body}
}

// handshake performs a successful handshake and returns its token.
func (e *env) handshake(t *testing.T) string {
	t.Helper()
	resp := e.r.Handle(context.Background(), request(transfer.TypeHandshake, transfer.EncodeHandshake(goodHandshake())))
	wantStatus(t, resp, status.Success, "")
	res, err := transfer.DecodeHandshakeResult(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.Token
}

// wantStatus fails unless resp carries code and a message containing msg.
func wantStatus(t *testing.T, resp *pipethrift.TPipeTransferResp, code status.Code, msg string) {
	t.Helper()
	if resp == nil || resp.Status == nil {
		t.Fatalf("response %v has no status", resp)
	}
	if resp.Status.Code != int32(code) || !strings.Contains(resp.Status.GetMessage(), msg) {
		t.Fatalf("status %d %q, want %d containing %q", resp.Status.Code, resp.Status.GetMessage(), code, msg)
	}
	if code != status.Success && resp.Body != nil {
		t.Fatalf("failed response carries a body")
	}
}

// col builds a column of type typ from values, nil meaning null.
func col(typ model.DataType, values ...any) model.Column {
	c := model.NewColumn(typ, len(values))
	for _, v := range values {
		c.Append(v)
	}
	return c
}

// sampleTablet has 5 points.
func sampleTablet() *model.Tablet {
	return &model.Tablet{
		Device:       model.Path{"root", "db", "d"},
		Measurements: []string{"i", "t"},
		Times:        []int64{1, 2, 3},
		Columns:      []model.Column{col(model.Int32, int32(1), nil, int32(3)), col(model.Text, "a", "b", "c")},
	}
}

var errPlain = errors.New("disk on fire")
