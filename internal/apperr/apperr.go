// Package apperr defines the one error type the domain packages return, with a
// code that the HTTP layer maps to a status in a single table.
package apperr

import (
	"errors"
	"fmt"
	"strings"
)

// Code classifies an error for callers; it is stable and part of the API.
type Code string

const (
	Invalid      Code = "invalid"
	NotFound     Code = "not_found"
	Conflict     Code = "conflict"
	Unauthorized Code = "unauthorized"
	Forbidden    Code = "forbidden"
	RateLimited  Code = "rate_limited"
	OTPRequired  Code = "otp_required"
	Internal     Code = "internal"
	// Unavailable: not ready yet (still starting); try again after
	// RetryAfterSeconds.
	Unavailable Code = "unavailable"
)

// FieldError names one bad input field and why it was refused.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Error is a classified error whose Message is safe to show to users.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
	// RetryAfterSeconds is set on RateLimited errors.
	RetryAfterSeconds int
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Reason
	}
	return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, strings.Join(parts, "; "))
}

// New returns an error with the given code and user-facing message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Field returns an Invalid error naming one field.
func Field(field, reason string) *Error {
	return &Error{Code: Invalid, Message: "invalid input", Fields: []FieldError{{Field: field, Reason: reason}}}
}

// Fields collects field errors during validation; its Err is nil when none were added.
type Fields []FieldError

// Add records a problem with one field.
func (fs *Fields) Add(field, reason string) {
	*fs = append(*fs, FieldError{Field: field, Reason: reason})
}

// Err returns an Invalid error listing every field, or nil.
func (fs Fields) Err() error {
	if len(fs) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Message: "invalid input", Fields: fs}
}

// CodeOf reports the code of err, or Internal when err carries none.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries the given code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }

// As returns the *Error inside err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
