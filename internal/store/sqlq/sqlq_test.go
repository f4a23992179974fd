package sqlq

import (
	"strings"
	"testing"

	"github.com/awxtoken/awxtoken/internal/store"
)

func TestPostgresPlaceholdersFollowArguments(t *testing.T) {
	q := store.Query{
		Filters: []store.Filter{
			{Field: "user__username", Lookup: "icontains", Value: "al'ice"},
			{Field: "id", Lookup: "in", Value: "1,2"},
			{Field: "application", Lookup: "exact", Value: "null", Not: true},
		},
		Search:   "ci",
		Restrict: &store.Restriction{UserID: 7, OrgIDs: []int64{3}},
		Limit:    25, Offset: 50,
	}
	b, err := Build(Postgres, Select{Resource: store.TokenResource, Columns: "t.id", Query: q})
	if err != nil {
		t.Fatal(err)
	}
	// Values never reach the text.
	if strings.Contains(b.List, "al'ice") || strings.Contains(b.List, "ci%") {
		t.Fatalf("value interpolated: %s", b.List)
	}
	// $1..$n appear in order and match the arguments.
	for i := 1; i <= len(b.ListArgs); i++ {
		if !strings.Contains(b.List, Postgres.Placeholder(i)) {
			t.Fatalf("missing $%d in %s", i, b.List)
		}
	}
	if len(b.CountArgs) != len(b.ListArgs)-2 || !strings.HasSuffix(b.List, "LIMIT $7 OFFSET $8") {
		t.Fatalf("count args %d, list args %d: %s", len(b.CountArgs), len(b.ListArgs), b.List)
	}
	if b.ListArgs[0] != int64(7) || b.ListArgs[1] != int64(3) || b.ListArgs[2] != "%al'ice%" {
		t.Fatalf("args = %#v", b.ListArgs)
	}
	for _, want := range []string{"LEFT JOIN users u", "UPPER(u.username) LIKE UPPER($3)", "NOT COALESCE((t.application_id IS NULL), FALSE)", "ORDER BY t.id"} {
		if !strings.Contains(b.List, want) {
			t.Errorf("missing %q in %s", want, b.List)
		}
	}
	if strings.Contains(b.Count, "ORDER BY") || strings.Contains(b.Count, "LIMIT") {
		t.Errorf("count query pages: %s", b.Count)
	}
}

func TestJoinsOnlyWhenNeeded(t *testing.T) {
	b, err := Build(SQLite, Select{Resource: store.TokenResource, Columns: "t.id", Query: store.Query{}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.List, "JOIN") {
		t.Errorf("unneeded join: %s", b.List)
	}
	b, err = Build(SQLite, Select{Resource: store.TokenResource, Columns: "t.id", Query: store.Query{
		OrderBy: []store.Order{{Field: "application__organization__name", Desc: true}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	ia, io := strings.Index(b.List, "JOIN applications a"), strings.Index(b.List, "JOIN organizations o")
	if ia < 0 || io < ia {
		t.Errorf("joins missing or out of order: %s", b.List)
	}
	if !strings.Contains(b.List, "o.name DESC NULLS FIRST, t.id DESC") {
		t.Errorf("order: %s", b.List)
	}
}

func TestSQLiteMatchEscapesGlob(t *testing.T) {
	var args []any
	bind := func(v any) string { args = append(args, v); return "?" }
	got := SQLite.Match("x", ModeContains, false, "a*b?c[d", bind)
	if got != "x GLOB ?" || args[0] != "*a[*]b[?]c[[]d*" {
		t.Fatalf("%s %#v", got, args)
	}
	args = nil
	got = SQLite.Match("x", ModePrefix, true, "ÉA", bind)
	if got != "awx_fold(x) GLOB ?" || args[0] != "éa*" {
		t.Fatalf("%s %#v", got, args)
	}
	args = nil
	got = Postgres.Match("x", ModeSuffix, false, `50%_\`, bind)
	if got != `x LIKE ? ESCAPE '\'` || args[0] != `%50\%\_\\` {
		t.Fatalf("%s %#v", got, args)
	}
}

func TestSplitLookup(t *testing.T) {
	for in, want := range map[string][2]string{
		"user__username__icontains": {"user__username", "icontains"},
		"user__username":            {"user__username", "exact"},
		"application__isnull":       {"application", "isnull"},
		"id":                        {"id", "exact"},
		"name__foo":                 {"name__foo", "exact"},
	} {
		f, l := store.SplitLookup(in)
		if f != want[0] || l != want[1] {
			t.Errorf("SplitLookup(%q) = %q, %q, want %q, %q", in, f, l, want[0], want[1])
		}
	}
}

func TestParseTime(t *testing.T) {
	for _, s := range []string{"2024-10-09", "2024-10-09T02:23:08.123456Z", "2024-10-09 02:23", "2024-10-09T02:23:08+02:00"} {
		if _, err := ParseTime(s); err != nil {
			t.Errorf("ParseTime(%q): %v", s, err)
		}
	}
	if _, err := ParseTime("10/09/2024"); store.ErrorCode(err) != store.EINVALID {
		t.Errorf("ParseTime(bad) = %v", err)
	}
}
