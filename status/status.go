package status

import (
	"errors"
	"fmt"
)

// Code is an IoTDB TSStatusCode.
type Code int32

// The status codes Sluice returns, numbered as IoTDB's.
const (
	Success               Code = 200
	UnsupportedOperation  Code = 300
	ExecuteStatementError Code = 301
	MultipleError         Code = 302
	IllegalParameter      Code = 303
	InternalServerError   Code = 305
	RedirectionRecommend  Code = 400

	DatabaseNotExist       Code = 500
	DatabaseAlreadyExists  Code = 501
	TimeseriesAlreadyExist Code = 503
	AliasAlreadyExist      Code = 505
	PathAlreadyExist       Code = 506
	MetadataError          Code = 507
	PathNotExist           Code = 508
	IllegalPath            Code = 509
	OversizeRecord         Code = 522

	SystemReadOnly         Code = 600
	StorageEngineError     Code = 601
	WriteProcessError      Code = 605
	WriteProcessReject     Code = 606
	OutOfTTL               Code = 607
	AlignedTimeseriesError Code = 609
	DiskSpaceInsufficient  Code = 611
	DataTypeMismatch       Code = 614

	SQLParseError       Code = 700
	SemanticError       Code = 701
	SetTimeZoneError    Code = 703
	QueryProcessError   Code = 708
	CloseOperationError Code = 710
	NoSuchQuery         Code = 714
	QueryWasKilled      Code = 715

	WrongLoginPassword   Code = 801
	NotLogin             Code = 802
	NoPermission         Code = 803
	UserNotExist         Code = 804
	UserAlreadyExist     Code = 805
	UserAlreadyHasRole   Code = 806
	UserNotHasRole       Code = 807
	RoleNotExist         Code = 808
	RoleAlreadyExist     Code = 809
	AlreadyHasPrivilege  Code = 810
	NotHasPrivilege      Code = 811
	UnknownAuthPrivilege Code = 813

	ConsensusNotInitialized Code = 904
	NoAvailableRegionGroup  Code = 906

	AddConfigNodeError          Code = 1000
	RemoveConfigNodeError       Code = 1001
	RejectNodeStart             Code = 1002
	NoEnoughDataNode            Code = 1003
	DataNodeNotExist            Code = 1004
	RegisterDataNodeWithWrongID Code = 1007
	CanNotConnectDataNode       Code = 1008
	CanNotConnectConfigNode     Code = 1011

	PipeError Code = 1107
)

// Error is an error with an IoTDB status code.
type Error struct {
	Code  Code
	Msg   string
	cause error
}

// Error returns the message.
func (e *Error) Error() string { return e.Msg }

// Unwrap returns the error wrapped with %w, if any.
func (e *Error) Unwrap() error { return e.cause }

// Errorf makes an *Error with a formatted message. A %w verb wraps as usual.
func Errorf(code Code, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &Error{Code: code, Msg: err.Error(), cause: errors.Unwrap(err)}
}

// CodeOf returns the status code err carries, InternalServerError for an
// error without one, and Success for nil.
func CodeOf(err error) Code {
	if err == nil {
		return Success
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return InternalServerError
}
