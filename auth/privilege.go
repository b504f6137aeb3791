package auth

import (
	"strings"

	"github.com/sluicedb/sluice/status"
)

// Privilege is one of IoTDB 1.3's privileges.
type Privilege string

// The privileges. ALL stands for all the others; READ for READ_DATA and
// READ_SCHEMA, WRITE for WRITE_DATA and WRITE_SCHEMA, as in IoTDB 1.3.
const (
	ReadData       Privilege = "READ_DATA"
	WriteData      Privilege = "WRITE_DATA"
	ReadSchema     Privilege = "READ_SCHEMA"
	WriteSchema    Privilege = "WRITE_SCHEMA"
	ManageUser     Privilege = "MANAGE_USER"
	ManageRole     Privilege = "MANAGE_ROLE"
	ManageDatabase Privilege = "MANAGE_DATABASE"
	UsePipe        Privilege = "USE_PIPE"
	UseTrigger     Privilege = "USE_TRIGGER"
	UseUDF         Privilege = "USE_UDF"
	UseCQ          Privilege = "USE_CQ"
	UseModel       Privilege = "USE_MODEL"
	Maintain       Privilege = "MAINTAIN"
	ExtendTemplate Privilege = "EXTEND_TEMPLATE"
	All            Privilege = "ALL"
	Read           Privilege = "READ"
	Write          Privilege = "WRITE"
)

// privileges lists every privilege but ALL, in IoTDB's order, which is
// also the order of listings.
var privileges = []Privilege{
	ReadData, WriteData, ReadSchema, WriteSchema,
	ManageUser, ManageRole, ManageDatabase, UsePipe, UseTrigger, UseUDF,
	UseCQ, UseModel, Maintain, ExtendTemplate,
}

// AllPrivileges returns every privilege but ALL, in listing order.
func AllPrivileges() []Privilege { return append([]Privilege(nil), privileges...) }

// ParsePrivilege reads a privilege name, in any case.
func ParsePrivilege(s string) (Privilege, error) {
	p := Privilege(strings.ToUpper(strings.TrimSpace(s)))
	if p.composite() != nil || p.rank() >= 0 {
		return p, nil
	}
	return "", status.Errorf(status.UnknownAuthPrivilege, "%q: %w", s, ErrBadPrivilege)
}

// PathScoped reports whether p is granted on path patterns (READ_DATA,
// WRITE_DATA, READ_SCHEMA, WRITE_SCHEMA). The others are global.
func (p Privilege) PathScoped() bool {
	switch p {
	case ReadData, WriteData, ReadSchema, WriteSchema:
		return true
	}
	return false
}

// composite returns what READ and WRITE stand for, nil for the others
// (ALL included: expand grants it as what it may be on the pattern).
func (p Privilege) composite() []Privilege {
	switch p {
	case Read:
		return []Privilege{ReadData, ReadSchema}
	case Write:
		return []Privilege{WriteData, WriteSchema}
	case All:
		return privileges
	}
	return nil
}

// rank is p's position in privileges, -1 for ALL and unknown names.
func (p Privilege) rank() int {
	for i, q := range privileges {
		if p == q {
			return i
		}
	}
	return -1
}
