package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/itchyny/gojq"

	"github.com/awxtoken/awxtoken/awx"
)

// Output formats of -o/--output. Not every command offers every format.
const (
	FormatTable = "table"
	FormatJSON  = "json"
	FormatYAML  = "yaml"
	FormatToken = "token"
	FormatEnv   = "env"
)

// OutputOptions are the -o and --jq flags as a command sees them.
type OutputOptions struct {
	Format string // "" or "table" is the default table
	JQ     string
}

// check validates the format against what the command offers. --jq filters
// the JSON form, so it goes with -o json or no -o at all.
func (o *OutputOptions) check(allowed ...string) error {
	if o.Format == "" {
		o.Format = FormatTable
	}
	if !slices.Contains(allowed, o.Format) {
		return FlagErrorf("invalid value %q for --output: this command accepts %s", o.Format, strings.Join(allowed, ", "))
	}
	if o.JQ != "" {
		if o.Format != FormatTable && o.Format != FormatJSON {
			return FlagErrorf("--jq works on JSON output; it cannot be combined with -o %s", o.Format)
		}
		if _, err := gojq.Parse(o.JQ); err != nil {
			return FlagErrorf("invalid --jq expression: %v", err)
		}
		o.Format = FormatJSON
	}
	return nil
}

// export writes v in the structured format chosen (json, yaml, jq) and
// reports whether it did; table and the special formats are the caller's.
// Every command goes through here so JSON looks the same everywhere.
func export(w io.Writer, o OutputOptions, v any) (bool, error) {
	switch {
	case o.JQ != "":
		return true, writeJQ(w, o.JQ, v)
	case o.Format == FormatJSON:
		return true, writeJSON(w, v)
	case o.Format == FormatYAML:
		return true, writeYAML(w, v)
	}
	return false, nil
}

// marshalJSON is json.Marshal with indentation and without HTML escaping
// (AWX descriptions may hold <, > and &, and scripts want them as typed).
func marshalJSON(v any, indent string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if indent != "" {
		enc.SetIndent("", indent)
	}
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func writeJSON(w io.Writer, v any) error {
	b, err := marshalJSON(v, "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

func writeYAML(w io.Writer, v any) error {
	b, err := marshalJSON(v, "")
	if err != nil {
		return err
	}
	// Through JSON so YAML keys are the JSON keys, in the same (AWX's) order.
	y, err := yaml.JSONToYAML(b)
	if err != nil {
		return err
	}
	_, err = w.Write(y)
	return err
}

// writeJQ runs expr over v's JSON form. Strings print raw and everything else
// as indented JSON, one result per line, as `jq -r` and `gh --jq` do.
func writeJQ(w io.Writer, expr string, v any) error {
	q, err := gojq.Parse(expr)
	if err != nil {
		return FlagErrorf("invalid --jq expression: %v", err)
	}
	b, err := marshalJSON(v, "")
	if err != nil {
		return err
	}
	var data any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&data); err != nil {
		return err
	}
	iter := q.Run(normalizeNumbers(data))
	for {
		r, ok := iter.Next()
		if !ok {
			return nil
		}
		if err, ok := r.(error); ok {
			return fmt.Errorf("--jq: %w", err)
		}
		if s, ok := r.(string); ok {
			fmt.Fprintln(w, s)
			continue
		}
		out, err := marshalJSON(r, "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s\n", out)
	}
}

// normalizeNumbers turns json.Number into int or float64, the number types
// gojq understands, so ids stay integers (5, not 5.0e0).
func normalizeNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeNumbers(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = normalizeNumbers(e)
		}
		return x
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return int(i)
		}
		f, _ := x.Float64()
		return f
	}
	return v
}

// table writes aligned columns. Cells must not hold tabs or newlines; cell()
// makes them safe.
type table struct {
	tw *tabwriter.Writer
}

func newTable(w io.Writer, header ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	if len(header) > 0 {
		t.row(header...)
	}
	return t
}

func (t *table) row(cells ...string) {
	for i, c := range cells {
		cells[i] = cell(c)
	}
	fmt.Fprintln(t.tw, strings.Join(cells, "\t"))
}

func (t *table) flush() error { return t.tw.Flush() }

func cell(s string) string {
	return strings.NewReplacer("\t", " ", "\r", " ", "\n", " ").Replace(s)
}

// writeFields writes name/value pairs one per line, like PowerShell's
// Format-List, for a single object.
func writeFields(w io.Writer, fields [][2]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	for _, f := range fields {
		fmt.Fprintf(tw, "%s\t: %s\n", f[0], cell(f[1]))
	}
	return tw.Flush()
}

// formatTime shows a datetime to the second in UTC; zero shows empty.
func formatTime(t awx.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateTime) + "Z"
}

func formatID(p *int64) string {
	if p == nil {
		return ""
	}
	return fmt.Sprint(*p)
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@%+=,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
