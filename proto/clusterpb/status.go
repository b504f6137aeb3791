package clusterpb

import (
	"errors"

	"github.com/sluicedb/sluice/status"
)

// StatusOf converts err into a Status carrying its IoTDB code: nil becomes
// success (200).
func StatusOf(err error) *Status {
	if err == nil {
		return &Status{Code: int32(status.Success)}
	}
	return &Status{Code: int32(status.CodeOf(err)), Message: err.Error()}
}

// Err converts a Status back into an error with the same code; success (or a
// missing status) is nil.
func (x *Status) Err() error {
	if x == nil || x.Code == int32(status.Success) {
		return nil
	}
	return status.Errorf(status.Code(x.Code), "%w", errors.New(x.Message))
}
