package auth

import "fmt"

// WithHashes returns a copy of the state whose password hashes are
// f(hash): the ConfigNodes seal them with the cluster key before the
// metadata leaves for a DataNode (f is seal.Key.Seal), which opens them on
// receipt (seal.Key.Open). A hash that is not a bcrypt hash (a sealed one)
// never verifies a password.
func (s *State) WithHashes(f func(string) (string, error)) (*State, error) {
	c := s.Clone()
	for name, u := range c.users {
		h, err := f(u.hash)
		if err != nil {
			return nil, fmt.Errorf("password hash of user %s: %w", name, err)
		}
		u.hash = h
	}
	return c, nil
}
