package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"

	"github.com/awxtoken/awxtoken/internal/access"
	"github.com/awxtoken/awxtoken/internal/store"
)

// This file answers OPTIONS with AWX's metadata (awx/api/metadata.py):
// the view's name, what it renders and parses, and under "actions" the
// fields a GET shows and a POST takes. The `awx` command line (awxkit)
// builds its `create` and `modify` arguments from actions.POST of a list
// and its `list` filters from actions.GET; without them it can only list,
// get and delete. Field labels, help texts, lengths, defaults and choices
// are AWX 24.6.1's, from OPTIONS answers of a real AWX of that version.

// fieldMeta is one serializer field as AWX describes it.
type fieldMeta struct {
	name, typ, label, help string
	required               bool
	// readOnly fields appear under GET only.
	readOnly            bool
	maxLength           int
	minValue, maxValue  *int64
	def                 any // nil: no default
	choices             [][2]string
	notFilterableAnyway bool // a field our lists cannot filter on whatever the registry says
}

// viewMeta describes one path's OPTIONS answer.
type viewMeta struct {
	name       string
	typ        string // the objects' "type", for "types" and the type field's choices
	typeLabel  string // "Access Token"
	verbose    string // "access token", for the standard help texts
	resource   *store.Resource
	fields     []fieldMeta
	list       bool
	postFields func(f fieldMeta) bool // which fields this view's POST takes; nil: none
	// postRequired names fields this view's POST requires beyond those
	// every view requires (the application of an authorized token).
	postRequired []string
	// canPost reports whether the caller may create here (besides holding
	// a write-scoped credential, which every POST needs), as the POST
	// handler of the path would decide.
	canPost func(s *Server, r *http.Request, a access.Actor) bool
	// objectRoles are the roles each object carries, in AWX's model order.
	objectRoles []string
}

// organizationObjectRoles are the organization roles this server has, in
// the order of AWX's Organization model (which has more).
var organizationObjectRoles = []string{"admin_role", "auditor_role", "member_role"}

// roleCollections are AWX collections this server does not have whose
// OPTIONS the `awx` command line reads at the start of every `awx users`
// and `awx teams` command, for their object_roles (its grant and revoke
// arguments). A 404 there made `awx users list` fail outright. They answer
// OPTIONS, to an authenticated caller, with no roles and no actions; every
// other method on them is AWX's 404.
var roleCollections = map[string]string{
	"/api/v2/projects/":               "Project List",
	"/api/v2/inventories/":            "Inventory List",
	"/api/v2/teams/":                  "Team List",
	"/api/v2/credentials/":            "Credential List",
	"/api/v2/job_templates/":          "Job Template List",
	"/api/v2/workflow_job_templates/": "Workflow Job Template List",
	"/api/v2/instance_groups/":        "Instance Group List",
}

// writeAbsentCollectionOptions answers OPTIONS on a roleCollections path.
func writeAbsentCollectionOptions(w http.ResponseWriter, name string) {
	var o orderedJSON
	o.add("name", name)
	o.add("description", "")
	o.add("renders", []string{"application/json"})
	o.add("parses", []string{"application/json"})
	o.add("object_roles", []string{})
	writeJSONBytes(w, http.StatusOK, o.bytes())
}

func i64(v int64) *int64 { return &v }

// baseFields are the read-only fields every AWX object starts with; their
// help texts name the object (metadata.py's field_help_text). idLabel is
// "ID" or "Id", as AWX's OPTIONS label each model's primary key.
func baseFields(verbose, idLabel string) []fieldMeta {
	return []fieldMeta{
		{name: "id", typ: "integer", label: idLabel, help: "Database ID for this " + verbose + ".", readOnly: true},
		{name: "type", typ: "choice", label: "Type", help: "Data type for this " + verbose + ".", readOnly: true},
		{name: "url", typ: "string", label: "Url", help: "URL for this " + verbose + ".", readOnly: true},
		{name: "related", typ: "object", label: "Related", help: "Data structure with URLs of related resources.", readOnly: true},
		{name: "summary_fields", typ: "object", label: "Summary fields",
			help: "Data structure with name/description for related resources.  The output for some objects may be limited for performance reasons.", readOnly: true},
		{name: "created", typ: "datetime", label: "Created", help: "Timestamp when this " + verbose + " was created.", readOnly: true},
		{name: "modified", typ: "datetime", label: "Modified", help: "Timestamp when this " + verbose + " was last modified.", readOnly: true},
	}
}

// nameField is the required name of AWX's named models, as long as the
// model's column allows.
func nameField(verbose string, maxLength int) fieldMeta {
	return fieldMeta{name: "name", typ: "string", label: "Name", help: "Name of this " + verbose + ".", required: true, maxLength: maxLength}
}

func descriptionField(verbose string) fieldMeta {
	return fieldMeta{name: "description", typ: "string", label: "Description", help: "Optional description of this " + verbose + ".", def: ""}
}

const scopeHelp = "Allowed scopes, further restricts user's permissions. Must be a simple space-separated string with allowed scopes ['read', 'write']."

var (
	tokenFields = append(baseFields("access token", "Id"),
		descriptionField("access token"),
		fieldMeta{name: "user", typ: "id", label: "User", help: "The user representing the token owner", readOnly: true},
		fieldMeta{name: "token", typ: "string", label: "Token", readOnly: true},
		fieldMeta{name: "refresh_token", typ: "field", label: "Refresh token", readOnly: true},
		fieldMeta{name: "application", typ: "id", label: "Application"},
		fieldMeta{name: "expires", typ: "datetime", label: "Expires", readOnly: true},
		fieldMeta{name: "scope", typ: "string", label: "Scope", help: scopeHelp, def: "write"},
	)
	applicationFields = append(baseFields("application", "Id"),
		nameField("application", 255),
		descriptionField("application"),
		fieldMeta{name: "client_id", typ: "string", label: "Client id", readOnly: true},
		fieldMeta{name: "client_secret", typ: "string", label: "Client Secret", readOnly: true,
			help: "Used for more stringent verification of access to an application when creating a token."},
		fieldMeta{name: "client_type", typ: "choice", label: "Client Type", required: true,
			help:    "Set to Public or Confidential depending on how secure the client device is.",
			choices: [][2]string{{"confidential", "Confidential"}, {"public", "Public"}}},
		fieldMeta{name: "redirect_uris", typ: "string", label: "Redirect URIs", help: "Allowed URIs list, space separated"},
		fieldMeta{name: "authorization_grant_type", typ: "choice", label: "Authorization Grant Type", required: true,
			help:    "The Grant type the user must use for acquire tokens for this application.",
			choices: [][2]string{{"authorization-code", "Authorization code"}, {"password", "Resource owner password-based"}}},
		fieldMeta{name: "skip_authorization", typ: "boolean", label: "Skip Authorization", def: false,
			help: "Set True to skip authorization step for completely trusted applications."},
		fieldMeta{name: "organization", typ: "id", label: "Organization", required: true, help: "Organization containing this application."},
	)
	userFields = append(baseFields("user", "ID"),
		fieldMeta{name: "username", typ: "string", label: "Username", required: true, maxLength: 150,
			help: "Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only."},
		fieldMeta{name: "first_name", typ: "string", label: "First name", maxLength: 150},
		fieldMeta{name: "last_name", typ: "string", label: "Last name", maxLength: 150},
		fieldMeta{name: "email", typ: "string", label: "Email address", maxLength: 254},
		fieldMeta{name: "is_superuser", typ: "boolean", label: "Superuser status", def: false,
			help: "Designates that this user has all permissions without explicitly assigning them."},
		fieldMeta{name: "is_system_auditor", typ: "boolean", label: "Is system auditor", def: false},
		// Write-only in effect: GET shows "$encrypted$"; our lists never
		// filter on it, whatever AWX's metadata says.
		fieldMeta{name: "password", typ: "string", label: "Password", help: "Field used to change the password.", def: "", notFilterableAnyway: true},
		fieldMeta{name: "ldap_dn", typ: "string", label: "Ldap dn", readOnly: true},
		fieldMeta{name: "last_login", typ: "datetime", label: "Last login", readOnly: true},
		fieldMeta{name: "external_account", typ: "field", label: "External account", readOnly: true,
			help: "Set if the account is managed by an external service"},
	)
	organizationFields = append(baseFields("organization", "ID"),
		nameField("organization", 512),
		descriptionField("organization"),
		fieldMeta{name: "max_hosts", typ: "integer", label: "Max hosts", def: int64(0), minValue: i64(0), maxValue: i64(2147483647),
			help: "Maximum number of hosts allowed to be managed by this organization."},
		fieldMeta{name: "custom_virtualenv", typ: "string", label: "Custom virtualenv", readOnly: true,
			help: "Local absolute file path containing a custom Python virtualenv to use"},
		fieldMeta{name: "default_environment", typ: "id", label: "Default environment",
			help: "The default execution environment for jobs run by this organization."},
	)
)

// Which fields a POST takes on each kind of list.
func writable(f fieldMeta) bool { return !f.readOnly }

func tokenPostNoApplication(f fieldMeta) bool { return !f.readOnly && f.name != "application" }

func anyone(*Server, *http.Request, access.Actor) bool { return true }

// forCaller: the /users/{id}/...tokens/ lists, where a token is always the
// caller's (checkTokenOwnerPath).
func forCaller(_ *Server, r *http.Request, _ access.Actor) bool { return pathIsCaller(r, caller(r)) }

// canCreateWithOrgAdmin: superusers, and admins of an organization (who
// create applications in it).
func canCreateWithOrgAdmin(_ *Server, _ *http.Request, a access.Actor) bool {
	return a.IsSuperuser() || len(a.OrgIDs(store.RoleAdmin)) > 0
}

// canCreateInPathOrg: superusers and admins of the organization {id} names
// (by id or name), for /organizations/{id}/applications/.
func canCreateInPathOrg(s *Server, r *http.Request, a access.Actor) bool {
	id, ok := pathID(r, "id")
	if !ok {
		o, err := s.store.OrganizationByName(r.Context(), r.PathValue("id"))
		if err != nil {
			return false
		}
		id = o.ID
	}
	return access.CanCreateApplication(a, id)
}

func canCreateUser(_ *Server, _ *http.Request, a access.Actor) bool { return access.CanCreateUser(a) }

func canCreateOrganization(_ *Server, _ *http.Request, a access.Actor) bool {
	return access.CanCreateOrganization(a)
}

func tokenView(name string, post func(fieldMeta) bool) *viewMeta {
	return &viewMeta{name: name, typ: "o_auth2_access_token", typeLabel: "Access Token", verbose: "access token",
		resource: store.TokenResource, fields: tokenFields, list: true, postFields: post, canPost: anyone}
}

func userTokenView(name string, post func(fieldMeta) bool) *viewMeta {
	v := tokenView(name, post)
	v.canPost = forCaller
	return v
}

// optionsMeta maps a route path to its metadata. Paths not here answer
// OPTIONS with the name, renders and parses alone.
func optionsMeta() map[string]*viewMeta {
	app := func(name string, list bool, post func(fieldMeta) bool) *viewMeta {
		return &viewMeta{name: name, typ: "o_auth2_application", typeLabel: "Application", verbose: "application",
			resource: store.ApplicationResource, fields: applicationFields, list: list, postFields: post, canPost: canCreateWithOrgAdmin}
	}
	user := func(name string, list bool, post func(fieldMeta) bool) *viewMeta {
		return &viewMeta{name: name, typ: "user", typeLabel: "User", verbose: "user",
			resource: store.UserResource, fields: userFields, list: list, postFields: post, canPost: canCreateUser}
	}
	org := func(name string, list bool, post func(fieldMeta) bool) *viewMeta {
		return &viewMeta{name: name, typ: "organization", typeLabel: "Organization", verbose: "organization",
			resource: store.OrganizationResource, fields: organizationFields, list: list, postFields: post, canPost: canCreateOrganization,
			objectRoles: organizationObjectRoles}
	}
	detail := func(v *viewMeta) *viewMeta { v.list = false; v.postFields = nil; return v }
	orgApps := app("Organization Applications", true, func(f fieldMeta) bool { return writable(f) && f.name != "organization" })
	orgApps.canPost = canCreateInPathOrg
	// An authorized token is an application's: there the field is required.
	authorized := userTokenView("OAuth2 User Authorized Access Tokens", writable)
	authorized.postRequired = []string{"application"}
	return map[string]*viewMeta{
		"/api/v2/tokens/":                            tokenView("OAuth2 Tokens", writable),
		"/api/v2/tokens/{id}/":                       detail(tokenView("OAuth Token Detail", nil)),
		"/api/v2/users/{id}/tokens/":                 userTokenView("OAuth2 User Tokens", writable),
		"/api/v2/users/{id}/authorized_tokens/":      authorized,
		"/api/v2/users/{id}/personal_tokens/":        userTokenView("OAuth2 Personal Access Tokens", tokenPostNoApplication),
		"/api/v2/applications/{id}/tokens/":          tokenView("OAuth 2 Application Tokens", tokenPostNoApplication),
		"/api/v2/applications/":                      app("OAuth 2 Applications", true, writable),
		"/api/v2/applications/{id}/":                 app("OAuth 2 Application Detail", false, nil),
		"/api/v2/organizations/{id}/applications/":   orgApps,
		"/api/v2/users/{id}/applications/":           app("User Applications", true, nil),
		"/api/v2/users/":                             user("User List", true, writable),
		"/api/v2/users/{id}/":                        user("User Detail", false, nil),
		"/api/v2/organizations/{id}/users/":          user("Organization Users", true, nil),
		"/api/v2/organizations/{id}/admins/":         user("Organization Admins", true, nil),
		"/api/v2/organizations/":                     org("Organization List", true, writable),
		"/api/v2/organizations/{id}/":                org("Organization Detail", false, nil),
		"/api/v2/users/{id}/organizations/":          org("User Organizations", true, nil),
		"/api/v2/users/{id}/admin_of_organizations/": org("User Admin Of Organizations", true, nil),
	}
}

// writeOptions answers OPTIONS on path: AWX's metadata when the path has
// some, else the bare name, renders and parses.
func (s *Server) writeOptions(w http.ResponseWriter, r *http.Request, path string, v *viewMeta) {
	var o orderedJSON
	if v == nil {
		o.add("name", path)
		o.add("renders", []string{"application/json"})
		o.add("parses", []string{"application/json"})
		writeJSONBytes(w, http.StatusOK, o.bytes())
		return
	}
	a, err := s.actor(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	o.add("name", v.name)
	o.add("description", "")
	o.add("renders", []string{"application/json"})
	o.add("parses", []string{"application/json"})
	var actions orderedJSON
	actions.add("GET", v.fieldsFor(false))
	// As AWX: POST is described only to a caller who may create here, with
	// a credential that may write.
	if c := caller(r); v.postFields != nil && c != nil && c.CanWrite() && v.canPost(s, r, a) {
		actions.add("POST", v.fieldsFor(true))
	}
	o.add("actions", actions)
	o.add("types", []string{v.typ})
	if v.list && len(v.resource.Search) > 0 {
		o.add("search_fields", v.resource.Search)
	}
	if v.objectRoles != nil {
		o.add("object_roles", v.objectRoles)
	}
	if v.list {
		o.add("max_page_size", maxPageSize)
	}
	writeJSONBytes(w, http.StatusOK, o.bytes())
}

// fieldsFor describes v's fields for GET or for POST.
func (v *viewMeta) fieldsFor(post bool) orderedJSON {
	var out orderedJSON
	for _, f := range v.fields {
		if post && !v.postFields(f) {
			continue
		}
		var m orderedJSON
		m.add("type", f.typ)
		if post {
			m.add("required", f.required || slices.Contains(v.postRequired, f.name))
		}
		m.add("hidden", false)
		m.add("label", f.label)
		if f.help != "" {
			m.add("help_text", f.help)
		}
		if post && f.maxLength > 0 {
			m.add("max_length", f.maxLength)
		}
		if f.minValue != nil {
			m.add("min_value", *f.minValue)
		}
		if f.maxValue != nil {
			m.add("max_value", *f.maxValue)
		}
		if f.name != "type" {
			_, ok := v.resource.Field(f.name)
			m.add("filterable", ok && !f.notFilterableAnyway)
		}
		if post && f.def != nil {
			m.add("default", f.def)
		}
		switch {
		case f.name == "type":
			m.add("choices", [][2]string{{v.typ, v.typeLabel}})
		case f.choices != nil:
			m.add("choices", f.choices)
		}
		out.add(f.name, m)
	}
	return out
}

// orderedJSON is a JSON object that keeps its keys in the order added, as
// AWX's (Python dict) metadata does.
type orderedJSON struct {
	keys []string
	vals []any
}

func (o *orderedJSON) add(k string, v any) { o.keys, o.vals = append(o.keys, k), append(o.vals, v) }

func (o orderedJSON) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(o.vals[i])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func (o orderedJSON) bytes() []byte {
	b, _ := o.MarshalJSON()
	return b
}
