package auth

import (
	"crypto/sha256"
	"encoding/hex"
)

// Credential returns a stamp of user's current password. It changes when
// the password does, reveals nothing of the hash, and is an error
// (UserNotExist) once the user is dropped. Whatever was granted on the
// strength of a login (a pipe receiver's token) keeps the stamp and ends
// when it no longer matches.
func (s *State) Credential(name string) (string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, err := s.lookup("credential", name)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte("sluice credential stamp\x00" + u.hash))
	return hex.EncodeToString(sum[:16]), nil
}
