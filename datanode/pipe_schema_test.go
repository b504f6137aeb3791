package datanode

import (
	"context"
	"testing"

	"github.com/sluicedb/sluice/model"
	"github.com/sluicedb/sluice/status"
)

// appliedTotal sums the applied index of the node's regions: it moves
// whenever anything is proposed.
func appliedTotal(n *node) uint64 {
	var sum uint64
	for id := uint32(1); id <= 16; id++ {
		if f := n.dn.Region(id); f != nil {
			sum += f.AppliedIndex()
		}
	}
	return sum
}

func TestApplyPipeSchema(t *testing.T) {
	n := startNode(t, t.TempDir())
	ctx := context.Background()
	target := pipeTarget{n.dn}
	created := model.Series{Path: model.Path{"root", "ps", "d", "s"}, Type: model.Double, Encoding: model.Gorilla,
		Compressor: model.ZSTD, Alias: "temp", Tags: map[string]string{"unit": "c"}, Attributes: map[string]string{"vendor": "acme"}}
	const show = "show timeseries root.ps.**"

	if err := target.ApplySchema(ctx, "root", []model.Series{created}, "sender"); err != nil {
		t.Fatal(err)
	}
	want := `root.ps.d.s,temp,root.ps,DOUBLE,GORILLA,ZSTD,{"unit":"c"},{"vendor":"acme"},<nil>,<nil>,BASE`
	if got := flat(n.mustExec(show)); got != want {
		t.Fatalf("after create:\n got %s\nwant %s", got, want)
	}

	// Sent again (a resend after a failover): nothing is proposed.
	before := appliedTotal(n)
	if err := target.ApplySchema(ctx, "root", []model.Series{created}, "sender"); err != nil {
		t.Fatalf("resend: %v", err)
	}
	if after := appliedTotal(n); after != before {
		t.Errorf("a resend proposed %d entries", after-before)
	}

	// An existing series gets alias, tags and attributes upserted; a key
	// of the other kind here takes the sender's kind; keys only here stay.
	n.mustExec("create timeseries root.ps.d.t with datatype=INT64 tags(local=1, flip=x) attributes(shared=old)")
	upsert := model.Series{Path: model.Path{"root", "ps", "d", "t"}, Type: model.Int64, Encoding: model.RLE,
		Alias: "tee", Tags: map[string]string{"shared": "new"}, Attributes: map[string]string{"flip": "y"}}
	for range 2 {
		if err := target.ApplySchema(ctx, "root", []model.Series{upsert}, "sender"); err != nil {
			t.Fatal(err)
		}
	}
	want = `root.ps.d.t,tee,root.ps,INT64,TS_2DIFF,LZ4,{"local":"1","shared":"new"},{"flip":"y"},<nil>,<nil>,BASE`
	if got := flat(n.mustExec("show timeseries root.ps.d.t")); got != want {
		t.Errorf("after upsert:\n got %s\nwant %s", got, want)
	}

	conflict := created
	conflict.Type = model.Int32
	conflict.Encoding = model.RLE
	if err := target.ApplySchema(ctx, "root", []model.Series{conflict}, "sender"); status.CodeOf(err) != status.DataTypeMismatch {
		t.Errorf("type conflict: %v, want code %d", err, status.DataTypeMismatch)
	}

	n.mustExec("create user writer 'secret12'")
	n.mustExec("grant WRITE_DATA on root.** to user writer")
	other := model.Series{Path: model.Path{"root", "ps", "d", "u"}, Type: model.Int32, Encoding: model.RLE}
	if err := target.ApplySchema(ctx, "writer", []model.Series{other}, "sender"); status.CodeOf(err) != status.NoPermission {
		t.Errorf("without WRITE_SCHEMA: %v, want code %d", err, status.NoPermission)
	}
	// Series that originated here are not applied again.
	if err := target.ApplySchema(ctx, "root", []model.Series{other}, n.dn.meta.ClusterID()); err != nil {
		t.Fatal(err)
	}
	if got := flat(n.mustExec("show timeseries root.ps.d.u")); got != "" {
		t.Errorf("own series applied: %s", got)
	}
}
