package sqlq

import (
	"strconv"
	"strings"
	"time"
)

// Mode is the kind of text match a lookup asks for.
type Mode int

const (
	ModeExact    Mode = iota // iexact
	ModeContains             // contains, icontains
	ModePrefix               // startswith, istartswith
	ModeSuffix               // endswith, iendswith
)

// Bind adds an argument to the statement and returns its placeholder.
type Bind func(v any) string

// Dialect is what differs between SQL engines in a list query. Everything else
// (table and column names, joins, the shape of the query) is shared.
type Dialect interface {
	// Placeholder returns the n-th (1-based) parameter marker: "?" or "$n".
	Placeholder(n int) string
	// Match returns a condition that the text expression expr matches value
	// under mode, case-sensitively unless fold. The value is always bound.
	Match(expr string, mode Mode, fold bool, value string, bind Bind) string
	// Regex returns a condition that expr matches the regular expression.
	Regex(expr string, fold bool, pattern string, bind Bind) string
	// Text casts a non-text expression to text for the text lookups.
	Text(expr string) string
	// Time and Bool convert a parsed filter value to the column's storage.
	Time(t time.Time) any
	Bool(b bool) any
	// LimitOffset renders the paging clause; limit 0 means no limit.
	LimitOffset(limit, offset int, bind Bind) string
}

// SQLite is the dialect of modernc.org/sqlite with the functions the sqlite
// store registers: regexp(pattern, text) (for the REGEXP operator) and
// awx_fold(text), a Unicode lower-case fold (SQLite's own lower() and LIKE
// fold ASCII only). Times are integer microseconds since the epoch (UTC),
// booleans 0 and 1.
var SQLite Dialect = sqliteDialect{}

type sqliteDialect struct{}

func (sqliteDialect) Placeholder(int) string { return "?" }

// Case-sensitive matches use GLOB (LIKE is case-insensitive in SQLite);
// case-insensitive ones fold both sides with awx_fold and GLOB the result.
func (sqliteDialect) Match(expr string, mode Mode, fold bool, value string, bind Bind) string {
	if fold {
		expr = "awx_fold(" + expr + ")"
		value = strings.ToLower(value)
	}
	if mode == ModeExact {
		return expr + " = " + bind(value)
	}
	p := globEscape(value)
	switch mode {
	case ModeContains:
		p = "*" + p + "*"
	case ModePrefix:
		p = p + "*"
	case ModeSuffix:
		p = "*" + p
	}
	return expr + " GLOB " + bind(p)
}

func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[':
			b.WriteByte('[')
			b.WriteRune(r)
			b.WriteByte(']')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (sqliteDialect) Regex(expr string, fold bool, pattern string, bind Bind) string {
	if fold {
		pattern = "(?i)" + pattern
	}
	return expr + " REGEXP " + bind(pattern)
}

func (sqliteDialect) Text(expr string) string { return "CAST(" + expr + " AS TEXT)" }
func (sqliteDialect) Time(t time.Time) any    { return t.UnixMicro() }
func (sqliteDialect) Bool(b bool) any {
	if b {
		return int64(1)
	}
	return int64(0)
}

func (sqliteDialect) LimitOffset(limit, offset int, bind Bind) string {
	switch {
	case limit > 0:
		return " LIMIT " + bind(int64(limit)) + " OFFSET " + bind(int64(offset))
	case offset > 0:
		// SQLite has no OFFSET without LIMIT; -1 means no limit.
		return " LIMIT -1 OFFSET " + bind(int64(offset))
	}
	return ""
}

// Postgres is the dialect for PostgreSQL (pgx): $n placeholders, ~ and ~*
// for regular expressions, native booleans and timestamptz.
var Postgres Dialect = postgresDialect{}

type postgresDialect struct{}

func (postgresDialect) Placeholder(n int) string { return "$" + strconv.Itoa(n) }

// As Django does on PostgreSQL: LIKE for case-sensitive matches, UPPER on
// both sides for case-insensitive ones.
func (postgresDialect) Match(expr string, mode Mode, fold bool, value string, bind Bind) string {
	if mode == ModeExact {
		if fold {
			return "UPPER(" + expr + ") = UPPER(" + bind(value) + ")"
		}
		return expr + " = " + bind(value)
	}
	p := likeEscape(value)
	switch mode {
	case ModeContains:
		p = "%" + p + "%"
	case ModePrefix:
		p = p + "%"
	case ModeSuffix:
		p = "%" + p
	}
	if fold {
		return "UPPER(" + expr + ") LIKE UPPER(" + bind(p) + ") ESCAPE '\\'"
	}
	return expr + " LIKE " + bind(p) + " ESCAPE '\\'"
}

func likeEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

func (postgresDialect) Regex(expr string, fold bool, pattern string, bind Bind) string {
	if fold {
		return expr + " ~* " + bind(pattern)
	}
	return expr + " ~ " + bind(pattern)
}

func (postgresDialect) Text(expr string) string { return "(" + expr + ")::text" }
func (postgresDialect) Time(t time.Time) any    { return t.UTC() }
func (postgresDialect) Bool(b bool) any         { return b }

func (postgresDialect) LimitOffset(limit, offset int, bind Bind) string {
	s := ""
	if limit > 0 {
		s += " LIMIT " + bind(int64(limit))
	}
	if offset > 0 {
		s += " OFFSET " + bind(int64(offset))
	}
	return s
}
