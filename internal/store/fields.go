package store

import "strings"

// This file is the per-resource registry of the fields a list may be filtered
// and ordered on. It is shared by every backend: the column expressions and
// joins are portable SQL over the schema every backend uses (same table and
// column names), so a filter means the same thing on SQLite and PostgreSQL.

// FieldType says how a filter value is parsed and compared.
type FieldType int

const (
	TypeInt FieldType = iota
	TypeString
	TypeBool
	TypeTime
)

// Field is one filterable, orderable field of a resource.
type Field struct {
	Name     string    // the query name, a related path such as "user__username"
	Column   string    // SQL expression over the resource's table alias and joins
	Type     FieldType // how values are parsed
	Nullable bool      // the column may be NULL (an optional foreign key, last_login)
	// Related marks a foreign key named by its relation ("user", "application"):
	// AWX parses "null"/"none" as NULL there and reports bad values as
	// "Invalid user id: x".
	Related bool
	Joins   []string // names of the resource's joins this field needs, in order
}

// Join is one LEFT JOIN a related path needs. Every join follows a foreign key
// to a primary key, so it never multiplies rows and counts stay right.
type Join struct {
	Name string
	SQL  string // "LEFT JOIN users u ON u.id = t.user_id"
}

// Resource describes one listable resource.
type Resource struct {
	Name   string // tokens, applications, users, organizations, activity
	Model  string // as AWX names it in messages: OAuth2AccessToken, ...
	Table  string
	Alias  string
	Fields []Field
	Joins  []Join
	// Search lists the fields search= matches (icontains, ORed).
	Search []string
	// DefaultOrder applies when a query names no order; id is added as the
	// last key in any case so paging is stable.
	DefaultOrder []Order

	byName map[string]*Field
}

// Field returns the named field; "pk" is an alias of "id" as in Django.
func (r *Resource) Field(name string) (*Field, bool) {
	if name == "pk" {
		name = "id"
	}
	f, ok := r.byName[name]
	return f, ok
}

// Join returns the named join.
func (r *Resource) Join(name string) (Join, bool) {
	for _, j := range r.Joins {
		if j.Name == name {
			return j, true
		}
	}
	return Join{}, false
}

// SecretFields are never filterable or orderable, under any relation: AWX
// answers 403 "Filtering on token is not allowed." for them.
var SecretFields = map[string]bool{
	"token":                true,
	"refresh_token":        true,
	"client_secret":        true,
	"password":             true,
	"digest":               true,
	"client_secret_digest": true,
	"password_hash":        true,
}

// Lookups are the AWX filter lookups the stores implement.
var Lookups = map[string]bool{
	"exact": true, "iexact": true,
	"contains": true, "icontains": true,
	"startswith": true, "istartswith": true,
	"endswith": true, "iendswith": true,
	"regex": true, "iregex": true,
	"gt": true, "gte": true, "lt": true, "lte": true,
	"in": true, "isnull": true,
}

// SplitLookup splits an AWX filter path "user__username__icontains" into the
// field path and the lookup ("user__username", "icontains"); a path without a
// known lookup suffix gets "exact".
func SplitLookup(path string) (field, lookup string) {
	if i := strings.LastIndex(path, "__"); i >= 0 && Lookups[path[i+2:]] {
		return path[:i], path[i+2:]
	}
	return path, "exact"
}

// CheckField validates a field path for a resource: a secret anywhere in the
// path is EFORBIDDEN, an unknown field EINVALID, both with AWX's messages.
func (r *Resource) CheckField(path string) (*Field, error) {
	for _, seg := range strings.Split(path, "__") {
		if SecretFields[seg] {
			return nil, Errorf(EFORBIDDEN, "Filtering on %s is not allowed.", seg)
		}
	}
	f, ok := r.Field(path)
	if !ok {
		return nil, Errorf(EINVALID, "%s has no field named '%s'", r.Model, path)
	}
	return f, nil
}

func newResource(r *Resource) *Resource {
	r.byName = make(map[string]*Field, len(r.Fields))
	for i := range r.Fields {
		r.byName[r.Fields[i].Name] = &r.Fields[i]
	}
	return r
}

// Resources by name.
var (
	TokenResource = newResource(&Resource{
		Name: "tokens", Model: ModelToken, Table: "access_tokens", Alias: "t",
		Joins: []Join{
			{"u", "LEFT JOIN users u ON u.id = t.user_id"},
			{"a", "LEFT JOIN applications a ON a.id = t.application_id"},
			{"o", "LEFT JOIN organizations o ON o.id = a.organization_id"},
		},
		Fields: []Field{
			{Name: "id", Column: "t.id", Type: TypeInt},
			{Name: "user", Column: "t.user_id", Type: TypeInt, Related: true},
			{Name: "user__id", Column: "t.user_id", Type: TypeInt},
			{Name: "user__username", Column: "u.username", Type: TypeString, Joins: []string{"u"}},
			{Name: "user__first_name", Column: "u.first_name", Type: TypeString, Joins: []string{"u"}},
			{Name: "user__last_name", Column: "u.last_name", Type: TypeString, Joins: []string{"u"}},
			{Name: "user__email", Column: "u.email", Type: TypeString, Joins: []string{"u"}},
			{Name: "application", Column: "t.application_id", Type: TypeInt, Nullable: true, Related: true},
			{Name: "application__id", Column: "t.application_id", Type: TypeInt, Nullable: true},
			{Name: "application__name", Column: "a.name", Type: TypeString, Nullable: true, Joins: []string{"a"}},
			{Name: "application__organization", Column: "a.organization_id", Type: TypeInt, Nullable: true, Related: true, Joins: []string{"a"}},
			{Name: "application__organization__id", Column: "a.organization_id", Type: TypeInt, Nullable: true, Joins: []string{"a"}},
			{Name: "application__organization__name", Column: "o.name", Type: TypeString, Nullable: true, Joins: []string{"a", "o"}},
			{Name: "description", Column: "t.description", Type: TypeString},
			{Name: "scope", Column: "t.scope", Type: TypeString},
			{Name: "expires", Column: "t.expires", Type: TypeTime},
			{Name: "created", Column: "t.created", Type: TypeTime},
			{Name: "modified", Column: "t.modified", Type: TypeTime},
		},
		Search:       []string{"description"},
		DefaultOrder: []Order{{Field: "id"}},
	})

	ApplicationResource = newResource(&Resource{
		Name: "applications", Model: ModelApplication, Table: "applications", Alias: "a",
		Joins: []Join{
			{"o", "LEFT JOIN organizations o ON o.id = a.organization_id"},
		},
		Fields: []Field{
			{Name: "id", Column: "a.id", Type: TypeInt},
			{Name: "name", Column: "a.name", Type: TypeString},
			{Name: "description", Column: "a.description", Type: TypeString},
			{Name: "client_id", Column: "a.client_id", Type: TypeString},
			{Name: "client_type", Column: "a.client_type", Type: TypeString},
			{Name: "authorization_grant_type", Column: "a.authorization_grant_type", Type: TypeString},
			{Name: "redirect_uris", Column: "a.redirect_uris", Type: TypeString},
			{Name: "skip_authorization", Column: "a.skip_authorization", Type: TypeBool},
			{Name: "organization", Column: "a.organization_id", Type: TypeInt, Related: true},
			{Name: "organization__id", Column: "a.organization_id", Type: TypeInt},
			{Name: "organization__name", Column: "o.name", Type: TypeString, Joins: []string{"o"}},
			{Name: "created", Column: "a.created", Type: TypeTime},
			{Name: "modified", Column: "a.modified", Type: TypeTime},
		},
		Search:       []string{"name", "description"},
		DefaultOrder: []Order{{Field: "organization__name"}, {Field: "name"}},
	})

	UserResource = newResource(&Resource{
		Name: "users", Model: ModelUser, Table: "users", Alias: "u",
		Fields: []Field{
			{Name: "id", Column: "u.id", Type: TypeInt},
			{Name: "username", Column: "u.username", Type: TypeString},
			{Name: "first_name", Column: "u.first_name", Type: TypeString},
			{Name: "last_name", Column: "u.last_name", Type: TypeString},
			{Name: "email", Column: "u.email", Type: TypeString},
			{Name: "is_superuser", Column: "u.is_superuser", Type: TypeBool},
			{Name: "is_system_auditor", Column: "u.is_system_auditor", Type: TypeBool},
			{Name: "is_active", Column: "u.is_active", Type: TypeBool},
			{Name: "created", Column: "u.created", Type: TypeTime},
			{Name: "date_joined", Column: "u.created", Type: TypeTime},
			{Name: "last_login", Column: "u.last_login", Type: TypeTime, Nullable: true},
		},
		Search:       []string{"username", "first_name", "last_name", "email"},
		DefaultOrder: []Order{{Field: "username"}},
	})

	OrganizationResource = newResource(&Resource{
		Name: "organizations", Model: ModelOrganization, Table: "organizations", Alias: "o",
		Fields: []Field{
			{Name: "id", Column: "o.id", Type: TypeInt},
			{Name: "name", Column: "o.name", Type: TypeString},
			{Name: "description", Column: "o.description", Type: TypeString},
			{Name: "max_hosts", Column: "o.max_hosts", Type: TypeInt},
			{Name: "created", Column: "o.created", Type: TypeTime},
			{Name: "modified", Column: "o.modified", Type: TypeTime},
		},
		Search:       []string{"name", "description"},
		DefaultOrder: []Order{{Field: "name"}},
	})

	ActivityResource = newResource(&Resource{
		Name: "activity", Model: ModelActivity, Table: "activity", Alias: "ac",
		Joins: []Join{
			{"u", "LEFT JOIN users u ON u.id = ac.actor_id"},
		},
		Fields: []Field{
			{Name: "id", Column: "ac.id", Type: TypeInt},
			{Name: "timestamp", Column: "ac.timestamp", Type: TypeTime},
			{Name: "operation", Column: "ac.operation", Type: TypeString},
			{Name: "object_type", Column: "ac.object_type", Type: TypeString},
			{Name: "object1", Column: "ac.object_type", Type: TypeString},
			{Name: "object_id", Column: "ac.object_id", Type: TypeInt},
			{Name: "actor", Column: "ac.actor_id", Type: TypeInt, Nullable: true, Related: true},
			{Name: "actor__id", Column: "ac.actor_id", Type: TypeInt, Nullable: true},
			{Name: "actor__username", Column: "u.username", Type: TypeString, Nullable: true, Joins: []string{"u"}},
		},
		// AWX's ActivityStream model orders by pk (Meta.ordering).
		DefaultOrder: []Order{{Field: "id"}},
	})
)

// ModelRefreshToken names refresh tokens in NotFound errors (AWX never shows
// one: its refresh tokens have no REST endpoint).
const ModelRefreshToken = "OAuth2RefreshToken"
