package cli

import (
	"fmt"
	"io"
)

// The texts of --what-if and --confirm follow PowerShell's ShouldProcess, so
// AWX.psm users read the same thing:
//
//	What if: Performing the operation "Create Token {
//	  "description": "x",
//	  "scope": "write"
//	}" on target "Application [3]".

// operation is the action text: a verb and, when there is one, the request
// body as indented JSON (ConvertTo-Json's layout, two spaces).
func operation(action string, body any) (string, error) {
	if body == nil {
		return action, nil
	}
	b, err := marshalJSON(body, "  ")
	if err != nil {
		return "", err
	}
	return action + " " + string(b), nil
}

func writeWhatIf(w io.Writer, op, target string) {
	fmt.Fprintf(w, "What if: Performing the operation \"%s\" on target \"%s\".\n", op, target)
}

// shouldProcess decides whether to send: false with nil after --what-if
// printed the plan; CancelError when --confirm was not answered yes.
func shouldProcess(ios *IOStreams, whatIf, confirm bool, op, target string) (bool, error) {
	if whatIf {
		writeWhatIf(ios.Out, op, target)
		return false, nil
	}
	if confirm {
		ok, err := ios.Confirm(fmt.Sprintf("%s on target \"%s\"?", op, target))
		if err != nil && err != errNoAnswer {
			return false, err
		}
		if !ok {
			return false, CancelError
		}
	}
	return true, nil
}
