// Package status carries IoTDB's status codes through Sluice's errors.
// Components return errors made with Errorf (or wrap them with %w); the
// client-facing servers turn them into TSStatus codes with CodeOf.
package status
