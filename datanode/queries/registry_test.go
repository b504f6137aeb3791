package queries

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sluicedb/sluice/status"
)

func TestRegistryIDsListKill(t *testing.T) {
	r := New(3)
	clock := time.Date(2026, 12, 3, 14, 5, 9, 0, time.Local)
	r.now = func() time.Time { return clock }
	ctx1, q1 := r.Start(context.Background(), "select s1 from root.a.d1")
	_, q2 := r.Start(context.Background(), "show queries")
	clock = clock.Add(time.Second)
	_, q3 := r.Start(context.Background(), "select 1")
	for q, want := range map[*Query]string{q1: "20261203_140509_00000_3", q2: "20261203_140509_00001_3", q3: "20261203_140510_00000_3"} {
		if q.ID != want {
			t.Errorf("id %q, want %q", q.ID, want)
		}
	}
	list := r.List()
	if len(list) != 3 || list[0].ID != q1.ID || list[2].ID != q3.ID || list[0].Statement != "select s1 from root.a.d1" || list[0].DataNodeID != 3 {
		t.Fatalf("List = %+v", list)
	}
	if !r.Kill(q1.ID) {
		t.Fatal("Kill of a running query reported false")
	}
	<-ctx1.Done()
	if !Killed(ctx1) || status.CodeOf(context.Cause(ctx1)) != status.QueryWasKilled {
		t.Fatalf("cause %v, want ErrKilled", context.Cause(ctx1))
	}
	if r.Kill(q1.ID) {
		t.Fatal("second Kill reported true")
	}
	q1.Finish() // after Kill: still killed, no panic
	if !Killed(ctx1) {
		t.Fatal("Finish after Kill changed the cause")
	}
	q2.Finish()
	if got := r.KillAll(""); got != 1 {
		t.Fatalf("KillAll = %d, want 1 (q3)", got)
	}
	if len(r.List()) != 0 {
		t.Fatalf("List after KillAll = %+v", r.List())
	}
}

func TestFinishIsNotKill(t *testing.T) {
	r := New(1)
	ctx, q := r.Start(context.Background(), "select 1")
	q.Finish()
	if Killed(ctx) || !errors.Is(ctx.Err(), context.Canceled) {
		t.Fatalf("finished query: killed %v, err %v", Killed(ctx), ctx.Err())
	}
}

func TestNodeOf(t *testing.T) {
	if n, err := NodeOf("20261203_140509_00001_12"); err != nil || n != 12 {
		t.Fatalf("NodeOf = %d, %v", n, err)
	}
	for _, bad := range []string{"", "x", "20261203_140509_00001", "2026120_140509_1_1", "20261203_140509_a_1", "20261203_140509_1_-1", "20261203_140509_1_99999999999"} {
		if _, err := NodeOf(bad); status.CodeOf(err) != status.NoSuchQuery {
			t.Errorf("NodeOf(%q) = %v, want code 714", bad, err)
		}
	}
}
