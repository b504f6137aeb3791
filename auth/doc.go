// Package auth keeps users, their hashed passwords, roles and the
// privileges of both. A user holds its own privileges and those of its
// roles.
//
// State is a deterministic state machine so that it can live inside the
// ConfigNode's Raft state: its methods use no clock and no randomness, and
// the same commands applied to the same state give the same result on every
// node. Hashing a password is random (bcrypt salts), so the leader calls
// HashPassword before proposing a command, and the command carries the
// hash. Passwords themselves never enter the state, its snapshots or its
// errors.
//
// Privileges use IoTDB 1.3's names. READ_DATA, WRITE_DATA, READ_SCHEMA and
// WRITE_SCHEMA are granted on path patterns; the others are global and are
// granted on root.** only. The user root has every privilege, cannot be
// dropped and cannot have privileges or roles granted or revoked.
package auth
