package cli

import (
	"errors"
	"fmt"
)

// Exit codes, in one place. Scripts rely on them.
const (
	ExitOK     = 0 // success
	ExitError  = 1 // API or network failure, or a confirmation answered no
	ExitUsage  = 2 // bad flags or arguments: nothing was sent
	exitCancel = ExitError
)

// FlagError is a usage error: bad flags, arguments or input found before any
// request. Main prints it with a hint to --help and exits 2.
type FlagError struct{ err error }

func (e *FlagError) Error() string { return e.err.Error() }
func (e *FlagError) Unwrap() error { return e.err }

// FlagErrorf returns a FlagError with a formatted message.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{fmt.Errorf(format, args...)}
}

// SilentError means the command already reported the failure on ErrOut; Main
// only sets the exit status.
var SilentError = errors.New("silent error")

// CancelError means a confirmation was answered with anything but yes:
// nothing was sent. Main prints "cancelled; nothing was sent" and exits 1.
var CancelError = errors.New("cancelled; nothing was sent")

// exitCode maps an error returned by a command to the process exit status.
func exitCode(err error) int {
	var fe *FlagError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &fe):
		return ExitUsage
	case errors.Is(err, CancelError):
		return exitCancel
	default:
		return ExitError
	}
}
