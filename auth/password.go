package auth

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/sluicedb/sluice/status"
)

// rootPasswordHash is a bcrypt hash of "root", the default password of the
// user root. It is a constant so that New is deterministic.
const rootPasswordHash = "$2a$10$jpyimR/Kq9rSI0ZjlYHA7ezU9wdsOGCNQ1SN/fUmVTLNXhP26QQoW"

// hashCost is the bcrypt cost of new hashes; tests lower it.
var hashCost = bcrypt.DefaultCost

// Lengths a user name or password may have, as in IoTDB.
const (
	MinNameLen = 4
	MaxNameLen = 32
)

// HashPassword checks pw against IoTDB's password rules (4 to 32
// characters, no blanks or control characters) and returns its bcrypt hash.
// The hash is salted at random: call it before proposing a Raft command,
// never while applying one.
func HashPassword(pw string) (string, error) {
	if err := validatePassword(pw); err != nil {
		return "", err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), hashCost)
	if err != nil {
		return "", status.Errorf(status.InternalServerError, "hash password: %w", err)
	}
	return string(h), nil
}

// CheckPassword reports whether pw is the password hash was made from.
func CheckPassword(hash, pw string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
}

func validatePassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < MinNameLen || n > MaxNameLen {
		return status.Errorf(status.IllegalParameter, "password must have %d to %d characters: %w", MinNameLen, MaxNameLen, ErrBadPassword)
	}
	for _, r := range pw {
		if r == utf8.RuneError || unicode.IsSpace(r) || unicode.IsControl(r) {
			return status.Errorf(status.IllegalParameter, "password must not contain blanks or control characters: %w", ErrBadPassword)
		}
	}
	return nil
}

// validateHash refuses anything but a bcrypt hash, so that a bug upstream
// cannot store a plain password.
func validateHash(hash string) error {
	if _, err := bcrypt.Cost([]byte(hash)); err != nil {
		return status.Errorf(status.IllegalParameter, "password: %w", ErrBadHash)
	}
	return nil
}

// validateName applies IoTDB's user name rules: 4 to 32 letters, digits
// and underscores.
func validateName(what, name string) error {
	if len(name) < MinNameLen || len(name) > MaxNameLen {
		return status.Errorf(status.IllegalParameter, "%s %q must have %d to %d characters: %w", what, name, MinNameLen, MaxNameLen, ErrBadName)
	}
	for _, c := range []byte(name) {
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return status.Errorf(status.IllegalParameter, "%s %q may only have letters, digits and underscores: %w", what, name, ErrBadName)
		}
	}
	return nil
}
