package auth

import (
	"errors"
	"testing"

	"github.com/sluicedb/sluice/status"
)

func TestParsePrivilege(t *testing.T) {
	tests := []struct {
		in     string
		want   Privilege
		scoped bool
	}{
		{"READ_DATA", ReadData, true},
		{"write_data", WriteData, true},
		{" Read_Schema ", ReadSchema, true},
		{"WRITE_SCHEMA", WriteSchema, true},
		{"MANAGE_USER", ManageUser, false},
		{"manage_role", ManageRole, false},
		{"MANAGE_DATABASE", ManageDatabase, false},
		{"use_pipe", UsePipe, false},
		{"USE_TRIGGER", UseTrigger, false},
		{"USE_UDF", UseUDF, false},
		{"USE_CQ", UseCQ, false},
		{"USE_MODEL", UseModel, false},
		{"MAINTAIN", Maintain, false},
		{"EXTEND_TEMPLATE", ExtendTemplate, false},
		{"all", All, false},
		{"read", Read, false},
		{"Write", Write, false},
	}
	for _, tt := range tests {
		got, err := ParsePrivilege(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParsePrivilege(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if got.PathScoped() != tt.scoped {
			t.Errorf("%s.PathScoped() = %v", got, !tt.scoped)
		}
	}
	for _, bad := range []string{"", "READS", "INSERT_TIMESERIES", "READ DATA"} {
		_, err := ParsePrivilege(bad)
		if !errors.Is(err, ErrBadPrivilege) || status.CodeOf(err) != status.UnknownAuthPrivilege {
			t.Errorf("ParsePrivilege(%q) = %v, want ErrBadPrivilege with UnknownAuthPrivilege", bad, err)
		}
	}
	if n := len(AllPrivileges()); n != 14 {
		t.Errorf("AllPrivileges has %d, want 14", n)
	}
}
