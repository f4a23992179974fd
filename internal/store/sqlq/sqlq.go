// Package sqlq builds the SQL of list queries (filters, search, ordering,
// restrictions, paging and the matching count) from a store.Query, for any SQL
// backend: what differs between engines is behind a small Dialect. Every value
// is bound as a parameter; only names from the store's field registry and the
// fixed texts below ever reach the SQL.
package sqlq

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/awxtoken/awxtoken/internal/store"
)

// MaxRegexLen bounds regex filter values: a pattern is compiled per query and
// evaluated per row, so an unbounded one is a cheap denial of service.
const MaxRegexLen = 1000

// Cond is an extra condition a store adds to a list (ListRoleUsers' role, for
// example); it binds its arguments through bind.
type Cond func(bind Bind) string

// Select describes one list query.
type Select struct {
	Resource *store.Resource
	Columns  string // the select list, over the resource's alias
	Query    store.Query
	Where    []Cond
}

// Built is a list query and its count, sharing the WHERE clause.
type Built struct {
	List      string
	ListArgs  []any
	Count     string
	CountArgs []any
}

type builder struct {
	d     Dialect
	r     *store.Resource
	args  []any
	joins map[string]bool
}

func (b *builder) bind(v any) string {
	b.args = append(b.args, v)
	return b.d.Placeholder(len(b.args))
}

// Build validates q against s.Resource's fields and renders the SQL. Errors
// are store errors with AWX's messages (EINVALID, EFORBIDDEN).
func Build(d Dialect, s Select) (*Built, error) {
	r := s.Resource
	b := &builder{d: d, r: r, joins: map[string]bool{}}
	q := s.Query

	var where []string
	for _, c := range s.Where {
		where = append(where, "("+c(b.bind)+")")
	}
	if q.Restrict != nil {
		c, err := b.restrict(q.Restrict)
		if err != nil {
			return nil, err
		}
		where = append(where, c)
	}
	var ors []string
	for _, f := range q.Filters {
		c, err := b.filter(f)
		if err != nil {
			return nil, err
		}
		if f.Or {
			ors = append(ors, c)
		} else {
			where = append(where, c)
		}
	}
	if len(ors) > 0 {
		where = append(where, "("+strings.Join(ors, " OR ")+")")
	}
	if c := b.search(q.Search); c != "" {
		where = append(where, c)
	}
	order, err := b.order(q.OrderBy)
	if err != nil {
		return nil, err
	}

	from := " FROM " + r.Table + " " + r.Alias
	for _, j := range r.Joins {
		if b.joins[j.Name] {
			from += " " + j.SQL
		}
	}
	wh := ""
	if len(where) > 0 {
		wh = " WHERE " + strings.Join(where, " AND ")
	}
	out := &Built{
		Count:     "SELECT COUNT(*)" + from + wh,
		CountArgs: append([]any(nil), b.args...),
	}
	page := b.d.LimitOffset(q.Limit, q.Offset, b.bind)
	out.List = "SELECT " + s.Columns + from + wh + " ORDER BY " + order + page
	out.ListArgs = b.args
	return out, nil
}

func (b *builder) field(path string) (*store.Field, error) {
	f, err := b.r.CheckField(path)
	if err != nil {
		return nil, err
	}
	for _, j := range f.Joins {
		b.joins[j] = true
	}
	return f, nil
}

func (b *builder) filter(flt store.Filter) (string, error) {
	path, lookup := flt.Field, flt.Lookup
	if lookup == "" {
		path, lookup = store.SplitLookup(path)
	}
	if !store.Lookups[lookup] {
		return "", store.Errorf(store.EINVALID, "Unsupported lookup '%s' for field '%s'.", lookup, path)
	}
	f, err := b.field(path)
	if err != nil {
		return "", err
	}
	c, err := b.lookup(f, lookup, flt.Value)
	if err != nil {
		return "", err
	}
	if flt.Not {
		// Django negates so that a NULL column counts as "not equal":
		// NOT (x = 3) must keep rows where x is NULL.
		return "NOT COALESCE((" + c + "), FALSE)", nil
	}
	return "(" + c + ")", nil
}

func (b *builder) lookup(f *store.Field, lookup, raw string) (string, error) {
	col := f.Column
	switch lookup {
	case "isnull":
		v, err := parseBool(raw)
		if err != nil {
			return "", err
		}
		if v {
			return col + " IS NULL", nil
		}
		return col + " IS NOT NULL", nil
	case "in":
		var ph []string
		for _, item := range strings.Split(raw, ",") {
			v, null, err := b.value(f, item)
			if err != nil {
				return "", err
			}
			if null {
				continue // SQL IN never matches NULL; Django drops None too
			}
			ph = append(ph, b.bind(v))
		}
		if len(ph) == 0 {
			return "1 = 0", nil
		}
		return col + " IN (" + strings.Join(ph, ", ") + ")", nil
	case "exact", "gt", "gte", "lt", "lte":
		v, null, err := b.value(f, raw)
		if err != nil {
			return "", err
		}
		if null {
			if lookup == "exact" {
				return col + " IS NULL", nil
			}
			return "", store.Errorf(store.EINVALID, "Cannot use None as a query value")
		}
		op := map[string]string{"exact": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[lookup]
		return col + " " + op + " " + b.bind(v), nil
	}

	// The text lookups: iexact, [i]contains, [i]startswith, [i]endswith, [i]regex.
	if f.Related {
		if _, null, err := b.value(f, raw); err != nil {
			return "", err
		} else if null && lookup == "iexact" {
			return col + " IS NULL", nil
		}
	}
	switch f.Type {
	case store.TypeString:
	case store.TypeInt:
		if _, _, err := b.value(f, raw); err != nil {
			return "", err
		}
		col = b.d.Text(col)
	default:
		return "", store.Errorf(store.EINVALID, "Unsupported lookup '%s' for field '%s'.", lookup, f.Name)
	}
	fold := strings.HasPrefix(lookup, "i")
	switch strings.TrimPrefix(lookup, "i") {
	case "exact":
		return b.d.Match(col, ModeExact, true, raw, b.bind), nil
	case "contains":
		return b.d.Match(col, ModeContains, fold, raw, b.bind), nil
	case "startswith":
		return b.d.Match(col, ModePrefix, fold, raw, b.bind), nil
	case "endswith":
		return b.d.Match(col, ModeSuffix, fold, raw, b.bind), nil
	case "regex":
		if err := CheckRegex(raw); err != nil {
			return "", err
		}
		return b.d.Regex(col, fold, raw, b.bind), nil
	}
	return "", store.Errorf(store.EINVALID, "Unsupported lookup '%s' for field '%s'.", lookup, f.Name)
}

// CheckRegex validates a regex filter value: bounded length, valid syntax.
func CheckRegex(p string) error {
	if len(p) > MaxRegexLen {
		return store.Errorf(store.EINVALID, "Invalid regular expression: longer than %d characters.", MaxRegexLen)
	}
	if _, err := regexp.Compile(p); err != nil {
		msg := strings.TrimPrefix(err.Error(), "error parsing regexp: ")
		return store.Errorf(store.EINVALID, "Invalid regular expression: %s", msg)
	}
	return nil
}

// value parses one filter value for f as AWX does; null reports AWX's
// "null"/"none" on a relation.
func (b *builder) value(f *store.Field, raw string) (v any, null bool, err error) {
	if f.Related {
		if l := strings.ToLower(raw); l == "null" || l == "none" {
			return nil, true, nil
		}
	}
	switch f.Type {
	case store.TypeInt:
		n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
		if err != nil {
			if f.Related {
				name := f.Name[strings.LastIndex(f.Name, "__")+1:]
				name = strings.TrimPrefix(name, "_")
				return nil, false, store.Errorf(store.EINVALID, "Invalid %s id: %s", name, raw)
			}
			return nil, false, store.Errorf(store.EINVALID, "[\"\u201c%s\u201d value must be an integer.\"]", raw)
		}
		return n, false, nil
	case store.TypeBool:
		v, err := parseBool(raw)
		if err != nil {
			return nil, false, err
		}
		return b.d.Bool(v), false, nil
	case store.TypeTime:
		t, err := ParseTime(raw)
		if err != nil {
			return nil, false, err
		}
		return b.d.Time(t), false, nil
	}
	return raw, false, nil
}

// parseBool is AWX's to_python_boolean.
func parseBool(raw string) (bool, error) {
	switch strings.ToLower(raw) {
	case "true", "1", "t":
		return true, nil
	case "false", "0", "f":
		return false, nil
	}
	return false, store.Errorf(store.EINVALID, "Unable to convert \"%s\" to boolean", raw)
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02 15:04Z07:00",
	"2006-01-02 15:04",
	"2006-01-02",
}

// ParseTime reads a datetime filter value the way Django's DateTimeField
// does: ISO 8601 with a space or T, optional seconds, fraction and zone
// (UTC when absent), or a bare date meaning midnight UTC.
func ParseTime(raw string) (time.Time, error) {
	s := strings.TrimSpace(raw)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, store.Errorf(store.EINVALID,
		"[\"\u201c%s\u201d value has an invalid format. It must be in YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ] format.\"]", raw)
}

// search matches every term (split on whitespace and commas, as Django REST
// framework's SearchFilter does) in at least one search field, ignoring case.
func (b *builder) search(s string) string {
	if len(b.r.Search) == 0 {
		return ""
	}
	terms := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	var and []string
	for _, t := range terms {
		var or []string
		for _, name := range b.r.Search {
			f, err := b.field(name)
			if err != nil {
				continue // the registry names only real fields
			}
			or = append(or, b.d.Match(f.Column, ModeContains, true, t, b.bind))
		}
		and = append(and, "("+strings.Join(or, " OR ")+")")
	}
	return strings.Join(and, " AND ")
}

func (b *builder) order(keys []store.Order) (string, error) {
	if len(keys) == 0 {
		keys = b.r.DefaultOrder
	}
	var parts []string
	hasID := false
	for _, k := range keys {
		name := k.Field
		if name == "pk" {
			name = "id"
		}
		f, err := b.field(name)
		if err != nil {
			return "", err
		}
		if f.Name == "id" {
			hasID = true
		}
		parts = append(parts, orderTerm(f, k.Desc))
	}
	if !hasID {
		// A unique last key makes paging stable; it follows the first key's
		// direction so "-timestamp" lists newest entries of a tie first.
		desc := len(keys) > 0 && keys[0].Desc
		f, _ := b.r.Field("id")
		parts = append(parts, orderTerm(f, desc))
	}
	return strings.Join(parts, ", "), nil
}

// orderTerm puts NULLs where PostgreSQL (AWX's database) does: last when
// ascending, first when descending, whatever the engine.
func orderTerm(f *store.Field, desc bool) string {
	s := f.Column
	if desc {
		s += " DESC"
		if f.Nullable {
			s += " NULLS FIRST"
		}
	} else if f.Nullable {
		s += " NULLS LAST"
	}
	return s
}

// restrict renders store.Restriction for the resource.
func (b *builder) restrict(x *store.Restriction) (string, error) {
	in := func(ids []int64) string {
		if len(ids) == 0 {
			return ""
		}
		ph := make([]string, len(ids))
		for i, id := range ids {
			ph[i] = b.bind(id)
		}
		return "(" + strings.Join(ph, ", ") + ")"
	}
	a := b.r.Alias
	switch b.r.Name {
	case "tokens":
		c := a + ".user_id = " + b.bind(x.UserID)
		if l := in(x.OrgIDs); l != "" {
			c += " OR " + a + ".application_id IN (SELECT id FROM applications WHERE organization_id IN " + l + ")"
		}
		return "(" + c + ")", nil
	case "applications":
		if l := in(x.OrgIDs); l != "" {
			return a + ".organization_id IN " + l, nil
		}
		return "1 = 0", nil
	case "users":
		c := a + ".id = " + b.bind(x.UserID)
		if l := in(x.OrgIDs); l != "" {
			c += " OR " + a + ".id IN (SELECT rm.user_id FROM role_members rm JOIN roles r ON r.id = rm.role_id WHERE r.organization_id IN " + l + ")"
		}
		return "(" + c + ")", nil
	case "organizations":
		if l := in(x.OrgIDs); l != "" {
			return a + ".id IN " + l, nil
		}
		return "1 = 0", nil
	case "activity":
		// Placeholders may be positional ("?"), so arguments are bound in
		// the order their markers appear in the text.
		c := a + ".actor_id = " + b.bind(x.UserID)
		if l := in(x.AppOrgIDs); l != "" {
			c += " OR (" + a + ".object_type = 'o_auth2_application' AND " + a + ".object_id IN (SELECT id FROM applications WHERE organization_id IN " + l + "))"
		}
		tok := "SELECT id FROM access_tokens WHERE user_id = " + b.bind(x.UserID)
		if l := in(x.TokenOrgIDs); l != "" {
			tok += " OR application_id IN (SELECT id FROM applications WHERE organization_id IN " + l + ")"
		}
		c += " OR (" + a + ".object_type = 'o_auth2_access_token' AND " + a + ".object_id IN (" + tok + "))"
		usr := a + ".object_id = " + b.bind(x.UserID)
		if l := in(x.OrgIDs); l != "" {
			usr += " OR " + a + ".object_id IN (SELECT rm.user_id FROM role_members rm JOIN roles r ON r.id = rm.role_id WHERE r.organization_id IN " + l + ")"
		}
		c += " OR (" + a + ".object_type = 'user' AND (" + usr + "))"
		if l := in(x.OrgIDs); l != "" {
			c += " OR (" + a + ".object_type = 'organization' AND " + a + ".object_id IN " + l + ")"
		}
		return "(" + c + ")", nil
	}
	return "", fmt.Errorf("sqlq: no restriction rule for resource %q", b.r.Name)
}
