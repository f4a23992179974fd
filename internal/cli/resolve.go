package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/awxtoken/awxtoken/awx"
)

// parseID parses a positive object id; ok is false for anything else (a name).
func parseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 || strings.HasPrefix(s, "+") {
		return 0, false
	}
	return id, true
}

// parseIDs parses positional ids, all or nothing.
func parseIDs(args []string, what string) ([]int64, error) {
	ids := make([]int64, 0, len(args))
	for _, a := range args {
		id, ok := parseID(a)
		if !ok {
			return nil, FlagErrorf("invalid %s id %q: expected a positive number", what, a)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// applicationFromJSON reads the id of an application object, as
// `awxtoken app get 2 -o json` prints it. Another object type is refused:
// AWX.psm likewise refuses -Application (Get-User ...).
func applicationFromJSON(data []byte) (int64, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return 0, FlagErrorf("--application -: standard input is empty; expected an application object as JSON (awxtoken app get ID -o json)")
	}
	if data[0] == '[' {
		return 0, FlagErrorf("--application -: standard input holds a JSON array; expected one application object (awxtoken app get ID -o json)")
	}
	var obj struct {
		ID   json.Number `json:"id"`
		Type *string     `json:"type"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil {
		return 0, FlagErrorf("--application -: standard input is not a JSON object: %v", err)
	}
	if obj.Type == nil {
		return 0, FlagErrorf("--application -: the object on standard input has no \"type\"; expected an application (%q)", awx.TypeApplication)
	}
	if *obj.Type != awx.TypeApplication {
		return 0, FlagErrorf("--application -: the object on standard input is of type %q, not an application (%q)", *obj.Type, awx.TypeApplication)
	}
	id, ok := parseID(obj.ID.String())
	if !ok {
		return 0, FlagErrorf("--application -: the application object has no valid \"id\"")
	}
	return id, nil
}

// resolveApplication turns --application's value into an id: a number is
// the id, "-" reads an application object from standard input, and anything
// else is a name looked up through the API (a read, even under --what-if).
func resolveApplication(ctx context.Context, ios *IOStreams, client func() (*awx.Client, error), value string) (int64, error) {
	if id, ok := parseID(value); ok {
		return id, nil
	}
	if value == "-" {
		if ios.IsStdinTTY() {
			// Reading a terminal to its end would wait for Ctrl-D, unexplained.
			return 0, FlagErrorf("--application - reads an application object piped on standard input (awxtoken app get ID -o json | awxtoken new --application -)")
		}
		data, err := ios.ReadAll()
		if err != nil {
			return 0, fmt.Errorf("reading standard input: %w", err)
		}
		return applicationFromJSON(data)
	}
	c, err := client()
	if err != nil {
		return 0, err
	}
	app, _, err := c.Applications.GetByName(ctx, value)
	if err != nil {
		return 0, err
	}
	return app.ID, nil
}

// resolveUser turns a user id or username into an id.
func resolveUser(ctx context.Context, client func() (*awx.Client, error), value string) (int64, error) {
	if id, ok := parseID(value); ok {
		return id, nil
	}
	c, err := client()
	if err != nil {
		return 0, err
	}
	u, _, err := c.Users.GetByName(ctx, value)
	if err != nil {
		return 0, err
	}
	return u.ID, nil
}

// checkChoice validates an enumerated flag before any request is made.
func checkChoice(flag, value string, allowed ...string) error {
	for _, a := range allowed {
		if value == a {
			return nil
		}
	}
	return FlagErrorf("invalid value %q for --%s: allowed values are %s", value, flag, strings.Join(allowed, ", "))
}
