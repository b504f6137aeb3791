package auth

import "errors"

// Errors returned by this package, wrapped in a *status.Error that carries
// IoTDB's status code; test them with errors.Is.
var (
	ErrUserExists      = errors.New("user already exists")
	ErrUserNotFound    = errors.New("user does not exist")
	ErrWrongPassword   = errors.New("wrong password")
	ErrNoPermission    = errors.New("no permission")
	ErrBadPrivilege    = errors.New("unknown privilege")
	ErrBadName         = errors.New("illegal user or role name")
	ErrBadPassword     = errors.New("illegal password")
	ErrBadHash         = errors.New("not a bcrypt password hash")
	ErrBadGrant        = errors.New("illegal grant")
	ErrNotHasPrivilege = errors.New("user does not have the privilege")
	ErrRootUser        = errors.New("not allowed on user root")
)

// authFailed hides which of ErrUserNotFound and ErrWrongPassword made a
// login fail: its message is the same for both, as IoTDB's is, while
// errors.Is still tells them apart on the server side.
type authFailed struct{ reason error }

func (e authFailed) Error() string { return "Authentication failed." }
func (e authFailed) Unwrap() error { return e.reason }

// Errors about roles, wrapped like the others.
var (
	ErrRoleExists     = errors.New("role already exists")
	ErrRoleNotFound   = errors.New("role does not exist")
	ErrUserHasRole    = errors.New("user already has the role")
	ErrUserNotHasRole = errors.New("user does not have the role")
	ErrBadRoleName    = errors.New("illegal role name")
)
