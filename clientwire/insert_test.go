package clientwire

import (
	"bytes"
	"testing"

	"github.com/sluicedb/sluice/model"
)

// The layout IoTDB's clients send: big-endian times and values, a null
// row's placeholder, and the bitmaps only when some column has nulls.
func TestInsertTabletsReqLayout(t *testing.T) {
	tab := &model.Tablet{
		Device:       model.Path{"root", "sg", "d1"},
		Aligned:      true,
		Measurements: []string{"i", "s"},
		Times:        []int64{1, 258},
		Columns: []model.Column{
			{Type: model.Int32, Int32s: []int32{-1, 7}},
			{Type: model.Text, Texts: []string{"", "ab"}, Nulls: []bool{true, false}},
		},
	}
	req, _, err := InsertTabletsReq([]*model.Tablet{tab}, true)
	if err != nil {
		t.Fatal(err)
	}
	if !req.GetIsAligned() || req.PrefixPaths[0] != "root.sg.d1" || req.SizeList[0] != 2 {
		t.Fatalf("request %+v", req)
	}
	if got := req.TypesList[0]; len(got) != 2 || got[0] != 1 || got[1] != 5 {
		t.Errorf("types %v, want [1 5]", got)
	}
	wantTimes := []byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 2}
	if !bytes.Equal(req.TimestampsList[0], wantTimes) {
		t.Errorf("times % x", req.TimestampsList[0])
	}
	want := []byte{
		0xff, 0xff, 0xff, 0xff, 0, 0, 0, 7, // INT32 column
		0, 0, 0, 0, 0, 0, 0, 2, 'a', 'b', // TEXT column: the null row is an empty placeholder
		0,       // column i has no nulls
		1, 0x01, // column s: bitmap, row 0 null
	}
	if !bytes.Equal(req.ValuesList[0], want) {
		t.Errorf("values\n got % x\nwant % x", req.ValuesList[0], want)
	}
	tab.Columns[1].Nulls = nil
	if got := tabletValues(tab); len(got) != 18 {
		t.Errorf("without nulls the values carry no bitmaps: %d bytes, want 18", len(got))
	}
}
