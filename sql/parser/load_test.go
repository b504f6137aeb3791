package parser

import (
	"testing"

	"github.com/sluicedb/sluice/sql/ast"
)

func TestLoad(t *testing.T) {
	runParseCases(t, []parseCase{
		{`LOAD '/data/a.tsfile'`, &ast.LoadTsFile{Path: "/data/a.tsfile", Verify: true}},
		{`load "/data/dir"`, &ast.LoadTsFile{Path: "/data/dir", Verify: true}},
		{`LOAD '/d' sglevel=2 verify=false onSuccess=delete`, &ast.LoadTsFile{Path: "/d", DatabaseLevel: 2, DeleteOnSuccess: true}},
		{`LOAD '/d' SGLEVEL=3, VERIFY=TRUE, ONSUCCESS=NONE`, &ast.LoadTsFile{Path: "/d", DatabaseLevel: 3, Verify: true}},
		{`LOAD '/d' onSuccess=delete sglevel=1`, &ast.LoadTsFile{Path: "/d", DatabaseLevel: 1, Verify: true, DeleteOnSuccess: true}},
		{`LOAD '/d' WITH ('database-level'='2', 'on-success'='delete')`, &ast.LoadTsFile{Path: "/d", DatabaseLevel: 2, Verify: true, DeleteOnSuccess: true}},
		{`LOAD '/d' WITH ('verify'='false', 'convert-on-type-mismatch'='true', 'tablet-conversion-threshold'='-1', 'async'='false',)`, &ast.LoadTsFile{Path: "/d"}},
		{`LOAD '/d' WITH ()`, &ast.LoadTsFile{Path: "/d", Verify: true}},
	})
	runErrorCases(t, []errorCase{
		{`LOAD /d`, "line 1:5 mismatched input '/' expecting a quoted file or directory path"},
		{`LOAD ''`, "line 1:5 LOAD needs a file or directory path"},
		{`LOAD '/d' sglevel=0`, "line 1:18 database level must be an integer from 1 to 64, not 0"},
		{`LOAD '/d' verify=maybe`, "line 1:17 mismatched input 'maybe' expecting {true, false}"},
		{`LOAD '/d' onSuccess=move`, "line 1:20 mismatched input 'move' expecting {delete, none}"},
		{`LOAD '/d' fast=true`, "line 1:10 unknown LOAD option fast (supported: sglevel, verify, onSuccess)"},
		{`LOAD '/d' sglevel=2,`, "line 1:20 mismatched input '<EOF>' expecting {sglevel, verify, onSuccess}"},
		{`LOAD '/d' WITH ('fast'='true')`, "line 1:5 unknown LOAD option 'fast' (supported: 'database-level', 'on-success', 'verify', 'convert-on-type-mismatch', 'tablet-conversion-threshold', 'async')"},
		{`LOAD '/d' WITH ('on-success'='move')`, "line 1:5 LOAD option 'on-success' must be 'delete' or 'none', not 'move'"},
		{`LOAD '/d' WITH ('database-level'='x')`, "line 1:5 database level must be an integer from 1 to 64, not x"},
	})
}
