package transfer

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/sluicedb/sluice/model"
)

func sampleSchema() Schema {
	return Schema{Token: "tok", Origin: "c1", Series: []model.Series{
		{Path: model.Path{"root", "sg", "d1", "s1"}, Type: model.Double, Encoding: model.Gorilla, Compressor: model.LZ4,
			Alias: "temperature", Tags: map[string]string{"unit": "C", "room": "7"}, Attributes: map[string]string{"vendor": "acme"}},
		{Path: model.Path{"root", "sg", "d2", "s"}, Type: model.Text, Encoding: model.Plain, Compressor: model.Uncompressed, Aligned: true},
	}}
}

func TestSchemaRoundTrip(t *testing.T) {
	for _, s := range []Schema{sampleSchema(), {}, {Token: "t"}} {
		got, err := DecodeSchema(EncodeSchema(s), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Series) == 0 {
			s.Series = []model.Series{}
		}
		if !reflect.DeepEqual(got, s) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, s)
		}
		if tok, err := SchemaToken(EncodeSchema(s)); err != nil || tok != s.Token {
			t.Errorf("SchemaToken = %q, %v; want %q", tok, err, s.Token)
		}
	}
}

func TestDecodeSchemaRefuses(t *testing.T) {
	bad := func(edit func(*model.Series)) []byte {
		s := sampleSchema()
		edit(&s.Series[0])
		return EncodeSchema(s)
	}
	full := EncodeSchema(sampleSchema())
	for _, tc := range []struct {
		name string
		body []byte
		want string
	}{
		{"truncated", full[:len(full)-3], "at alias"},
		{"trailing", append(append([]byte{}, full...), 0), "trailing"},
		{"short path", bad(func(s *model.Series) { s.Path = model.Path{"root"} }), "not a series path"},
		{"wildcard", bad(func(s *model.Series) { s.Path = model.Path{"root", "**", "s"} }), "not a series path"},
		{"type", bad(func(s *model.Series) { s.Type = 9 }), "unknown data type 9"},
		{"encoding for type", bad(func(s *model.Series) { s.Encoding = model.Gorilla; s.Type = model.Text }), "does not support TEXT"},
		{"compressor", bad(func(s *model.Series) { s.Compressor = 42 }), "unknown compressor 42"},
		{"tag and attribute", bad(func(s *model.Series) { s.Attributes = map[string]string{"unit": "x"} }), "both a tag and an attribute"},
		{"huge count", []byte{0, 0, 0xff, 0xff, 0xff, 0x0f}, "exceeds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeSchema(tc.body, 1<<20)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want ErrCorrupt containing %q", err, tc.want)
			}
		})
	}
	if _, err := DecodeSchema(full, 64); !errors.Is(err, ErrTooLarge) {
		t.Errorf("within 64 bytes: err = %v, want ErrTooLarge", err)
	}
}
