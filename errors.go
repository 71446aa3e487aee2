package tandem

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to exactly one HTTP status in the server.
const (
	EINVALID   = "invalid"   // the input is malformed or breaks a rule
	ENOTFOUND  = "not_found" // no such record, or not visible to the caller
	ECONFLICT  = "conflict"  // the record exists or changed under the caller; an illegal state change
	EFORBIDDEN = "forbidden" // the caller may see the record but not do this to it
	EUNAUTH    = "unauthorized"
	EINTERNAL  = "internal"
)

// Error is Tandem's one error type: a code, a message safe to show a user and, for validation errors,
// the field at fault. Internal causes are wrapped and never shown.
type Error struct {
	Code    string
	Message string
	Field   string
	Err     error
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	if e.Err != nil {
		if msg == "" {
			return e.Err.Error()
		}
		return msg + ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted, user-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EINVALID error naming the field at fault.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for any other error, "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code != "" {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of err: the *Error's message, or a generic one for internal errors.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		if e.Field != "" {
			return e.Field + ": " + e.Message
		}
		return e.Message
	}
	return "internal error"
}

// NotFound returns an ENOTFOUND error for the named kind of record.
func NotFound(kind string, id any) *Error {
	return Errorf(ENOTFOUND, "%s %v not found", kind, id)
}
