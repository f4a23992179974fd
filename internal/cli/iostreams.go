package cli

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// IOStreams are a command's standard streams. Data goes to Out; prompts,
// warnings and errors go to ErrOut, so `T=$(awxtoken new ... -o token)` captures
// only the token.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	// Overrides for tests; nil means "ask the operating system".
	stdinTTY  *bool
	stdoutTTY *bool

	// lines buffers In so that several prompts in one run (a username, then a
	// password) do not lose input that one bufio.Reader read ahead.
	lines *bufio.Reader
}

// IOTest returns streams backed by buffers, for running commands in-process.
// Nothing is a terminal unless the test says so with SetStdinTTY/SetStdoutTTY.
func IOTest() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	no := false
	return &IOStreams{In: in, Out: out, ErrOut: errOut, stdinTTY: &no, stdoutTTY: &no}, in, out, errOut
}

// SetStdinTTY overrides terminal detection for standard input.
func (s *IOStreams) SetStdinTTY(v bool) { s.stdinTTY = &v }

// SetStdoutTTY overrides terminal detection for standard output.
func (s *IOStreams) SetStdoutTTY(v bool) { s.stdoutTTY = &v }

func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// IsStdinTTY reports whether standard input is a terminal.
func (s *IOStreams) IsStdinTTY() bool {
	if s.stdinTTY != nil {
		return *s.stdinTTY
	}
	return isTerminal(s.In)
}

// IsStdoutTTY reports whether standard output is a terminal.
func (s *IOStreams) IsStdoutTTY() bool {
	if s.stdoutTTY != nil {
		return *s.stdoutTTY
	}
	return isTerminal(s.Out)
}

// CanPrompt reports whether a person can answer a question: prompts go to
// ErrOut and answers come from In, so only In has to be a terminal.
func (s *IOStreams) CanPrompt() bool { return s.IsStdinTTY() }

// errNoAnswer means standard input ended before an answer was read.
var errNoAnswer = errors.New("no answer on standard input")

// ReadLine reads one line from In without its line ending. It returns
// errNoAnswer when In is at its end with nothing read.
func (s *IOStreams) ReadLine() (string, error) {
	if s.lines == nil {
		s.lines = bufio.NewReader(s.In)
	}
	line, err := s.lines.ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		if errors.Is(err, io.EOF) {
			return "", errNoAnswer
		}
		return "", fmt.Errorf("reading standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// ReadAll reads the rest of In.
func (s *IOStreams) ReadAll() ([]byte, error) {
	if s.lines != nil {
		return io.ReadAll(s.lines)
	}
	return io.ReadAll(s.In)
}

// Confirm asks question on ErrOut and reads the answer from In, a terminal or
// a pipe (`echo y | awxtoken remove 5`). Only y or yes (any case) is a yes.
// It returns errNoAnswer when In ends without an answer.
func (s *IOStreams) Confirm(question string) (bool, error) {
	fmt.Fprintf(s.ErrOut, "%s [y/N] ", question)
	answer, err := s.ReadLine()
	if !s.IsStdinTTY() {
		// The answer was not echoed by a terminal: end the prompt's line.
		fmt.Fprintln(s.ErrOut)
	}
	if err != nil {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

// ReadSecret reads a secret: with a hidden prompt when In is a terminal,
// otherwise the first line of In (for `... | awxtoken config new`).
func (s *IOStreams) ReadSecret(prompt string) (string, error) {
	if f, ok := s.In.(*os.File); ok && s.IsStdinTTY() && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(s.ErrOut, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(s.ErrOut)
		if err != nil {
			return "", fmt.Errorf("reading from the terminal: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	line, err := s.ReadLine()
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(line), nil
}

// Prompt asks for a visible value (a username) and reads one line from In.
func (s *IOStreams) Prompt(prompt string) (string, error) {
	fmt.Fprint(s.ErrOut, prompt)
	line, err := s.ReadLine()
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(line), nil
}
