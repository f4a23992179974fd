package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/awxtoken/awxtoken/awx"
	"github.com/awxtoken/awxtoken/internal/access"
	"github.com/awxtoken/awxtoken/internal/store"
)

// The activity stream (spec section 10): every create, update and delete of
// a token, application, user or organization, and every role grant or
// revocation, writes one entry. The entry is written by the store in the
// same transaction as the change (store.WithActivity): a change is never
// acknowledged without its entry, and a request pays one durable commit,
// not two (a separate write halved token creation throughput on SQLite).
//
// changes never hold a secret: a token shows as "************", a client
// secret likewise, a password as "$encrypted$".

// activityCtx returns r's context carrying the activity stream entry of the
// change the caller is about to make with it; pass it to exactly one store
// mutator. build runs inside that change's transaction once the change has
// succeeded, so for a create the new row's id is set by then; it returns
// the object's id and the changes.
func (s *Server) activityCtx(r *http.Request, op, objectType string, build func() (int64, map[string]any)) context.Context {
	return s.activityCtx2(r, op, objectType, "", build)
}

// activityCtx2 is activityCtx for an association: object2 names the other
// side ("role").
func (s *Server) activityCtx2(r *http.Request, op, objectType, object2 string, build func() (int64, map[string]any)) context.Context {
	var actor *int64
	if c := caller(r); c != nil {
		id := c.User.ID
		actor = &id
	}
	return store.WithActivity(r.Context(), func() *store.Activity {
		id, changes := build()
		b, err := json.Marshal(changes)
		if err != nil {
			b = []byte("{}")
		}
		return &store.Activity{ActorID: actor, Operation: op, ObjectType: objectType, ObjectID: id, Object2: object2, Changes: b}
	})
}

// fixed returns a build function for an object whose id and changes are
// known before the change (updates, deletes, associations).
func fixed(id int64, changes map[string]any) func() (int64, map[string]any) {
	return func() (int64, map[string]any) { return id, changes }
}

// activityRestriction limits the activity stream to what the actor may see
// (AWX's ActivityStreamAccess): nil for superusers and system auditors;
// else the entries the actor made and those about objects the actor can
// see. Applications are visible to their organization's members and
// admins, application tokens to its admins and auditors, organizations and
// their users to anyone holding a role there. Entries about a deleted
// object stay visible to its actor and to superusers and auditors.
func activityRestriction(a access.Actor) *store.Restriction {
	if a.IsSuperuser() || a.IsSystemAuditor() {
		return nil
	}
	return &store.Restriction{
		UserID:      a.ID(),
		OrgIDs:      a.OrgIDs(store.RoleAdmin, store.RoleMember, store.RoleAuditor),
		AppOrgIDs:   a.OrgIDs(store.RoleMember, store.RoleAdmin),
		TokenOrgIDs: a.OrgIDs(store.RoleAdmin, store.RoleAuditor),
	}
}

// activityRoutes registers the activity stream; routes.go calls it.
func (s *Server) activityRoutes(rt *router) {
	rt.handle("GET /api/v2/activity_stream/", s.handleActivityList)
	rt.handle("GET /api/v2/activity_stream/{id}/", s.handleActivityDetail)
	rt.handle("GET /api/v2/tokens/{id}/activity_stream/", s.handleTokenActivityList)
	rt.handle("GET /api/v2/applications/{id}/activity_stream/", s.handleApplicationActivityList)
	rt.handle("GET /api/v2/users/{id}/activity_stream/", s.handleUserActivityList)
	rt.handle("GET /api/v2/organizations/{id}/activity_stream/", s.handleOrganizationActivityList)
}

// handleActivityList serves GET /api/v2/activity_stream/.
func (s *Server) handleActivityList(w http.ResponseWriter, r *http.Request) {
	a, err := s.actor(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	s.listActivity(w, r, activityRestriction(a))
}

// handleActivityDetail serves GET /api/v2/activity_stream/{id}/: 404 for an
// entry that is missing or that the caller may not see.
func (s *Server) handleActivityDetail(w http.ResponseWriter, r *http.Request) {
	a, err := s.actor(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	id, ok := pathID(r, "id")
	if !ok {
		writeNotFound(w)
		return
	}
	q := store.Query{
		Filters:  []store.Filter{{Field: "id", Lookup: "exact", Value: strconv.FormatInt(id, 10)}},
		Limit:    1,
		Restrict: activityRestriction(a),
	}
	list, _, err := s.store.ListActivity(r.Context(), q)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if len(list) == 0 {
		writeError(w, r, store.NotFound(store.ModelActivity))
		return
	}
	v, err := s.newActivityRenderer().render(r.Context(), list[0])
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// handleTokenActivityList serves GET /api/v2/tokens/{id}/activity_stream/:
// the entries about a token the caller can see (all of them: seeing the
// object is what makes its entries visible).
func (s *Server) handleTokenActivityList(w http.ResponseWriter, r *http.Request) {
	t, app, a, ok := s.loadToken(w, r)
	if !ok {
		return
	}
	if !access.CanReadToken(a, t, app) {
		writeForbidden(w)
		return
	}
	s.listActivity(w, r, nil, objectFilters(awx.TypeToken, t.ID)...)
}

// handleApplicationActivityList serves GET /api/v2/applications/{id}/activity_stream/.
func (s *Server) handleApplicationActivityList(w http.ResponseWriter, r *http.Request) {
	app, _, ok := s.loadVisibleApplication(w, r)
	if !ok {
		return
	}
	s.listActivity(w, r, nil, objectFilters(awx.TypeApplication, app.ID)...)
}

// handleUserActivityList serves GET /api/v2/users/{id}/activity_stream/.
func (s *Server) handleUserActivityList(w http.ResponseWriter, r *http.Request) {
	u, _, _, ok := s.loadVisibleUser(w, r)
	if !ok {
		return
	}
	s.listActivity(w, r, nil, objectFilters(awx.TypeUser, u.ID)...)
}

// handleOrganizationActivityList serves GET /api/v2/organizations/{id}/activity_stream/.
func (s *Server) handleOrganizationActivityList(w http.ResponseWriter, r *http.Request) {
	o, _, ok := s.loadVisibleOrganization(w, r)
	if !ok {
		return
	}
	s.listActivity(w, r, nil, objectFilters(awx.TypeOrganization, o.ID)...)
}

func objectFilters(objectType string, id int64) []store.Filter {
	return []store.Filter{
		{Field: "object_type", Lookup: "exact", Value: objectType},
		{Field: "object_id", Lookup: "exact", Value: strconv.FormatInt(id, 10)},
	}
}

// listActivity writes a page of the activity stream: the request's filters
// plus extra, limited by restrict.
func (s *Server) listActivity(w http.ResponseWriter, r *http.Request, restrict *store.Restriction, extra ...store.Filter) {
	q, err := parseListQuery(r, store.ActivityResource)
	if err != nil {
		writeError(w, r, err)
		return
	}
	q.Restrict = restrict
	q.Filters = append(q.Filters, extra...)
	list, n, err := s.store.ListActivity(r.Context(), q)
	if err != nil {
		writeError(w, r, err)
		return
	}
	ar := s.newActivityRenderer()
	out := make([]awx.ActivityStream, 0, len(list))
	for _, e := range list {
		v, err := ar.render(r.Context(), e)
		if err != nil {
			writeError(w, r, err)
			return
		}
		out = append(out, v)
	}
	writePage(w, r, q, out, n)
}

// activityRenderer renders entries as AWX does, looking each actor and
// object up once per page. An object that no longer exists has no related
// link or summary (AWX drops the link when the object is deleted).
type activityRenderer struct {
	s     *Server
	node  string
	users map[int64]*store.User
	objs  map[string]any // "type/id" -> summary, nil when gone
}

// The summaries keep AWX's fields and key order (ActivityStreamSerializer's
// _local_summarizable_fk_fields, and the actor's dict(id, username,
// first_name, last_name)), which a map would sort. AWX leaves out a None
// field, hence application_id's omitempty.
type (
	activityTokenSummary struct {
		ID            int64  `json:"id"`
		UserID        int64  `json:"user_id"`
		Description   string `json:"description"`
		ApplicationID *int64 `json:"application_id,omitempty"`
		Scope         string `json:"scope"`
	}
	activityNamedSummary struct {
		ID          int64  `json:"id"`
		Name        string `json:"name"`
		Description string `json:"description"`
	}
)

func (s *Server) newActivityRenderer() *activityRenderer {
	return &activityRenderer{s: s, node: hostname(), users: map[int64]*store.User{}, objs: map[string]any{}}
}

func (ar *activityRenderer) user(ctx context.Context, id int64) (*store.User, error) {
	if u, ok := ar.users[id]; ok {
		return u, nil
	}
	u, err := ar.s.store.UserByID(ctx, id)
	if err != nil && store.ErrorCode(err) != store.ENOTFOUND {
		return nil, err
	}
	ar.users[id] = u
	return u, nil
}

// object returns the summary of an entry's object and its URL, or nil when
// it is gone.
func (ar *activityRenderer) object(ctx context.Context, typ string, id int64) (any, string, error) {
	var url string
	switch typ {
	case awx.TypeToken:
		url = "/api/v2/tokens/" + itoa64(id) + "/"
	case awx.TypeApplication:
		url = "/api/v2/applications/" + itoa64(id) + "/"
	case awx.TypeUser:
		url = "/api/v2/users/" + itoa64(id) + "/"
	case awx.TypeOrganization:
		url = "/api/v2/organizations/" + itoa64(id) + "/"
	default:
		return nil, "", nil
	}
	key := typ + "/" + itoa64(id)
	if sum, ok := ar.objs[key]; ok {
		return sum, url, nil
	}
	var sum any
	var err error
	switch typ {
	case awx.TypeToken:
		var t *store.AccessToken
		if t, err = ar.s.store.AccessTokenByID(ctx, id); err == nil {
			sum = activityTokenSummary{ID: t.ID, UserID: t.UserID, Description: t.Description, ApplicationID: t.ApplicationID, Scope: t.Scope}
		}
	case awx.TypeApplication:
		var a *store.Application
		if a, err = ar.s.store.ApplicationByID(ctx, id); err == nil {
			sum = activityNamedSummary{ID: a.ID, Name: a.Name, Description: a.Description}
		}
	case awx.TypeUser:
		var u *store.User
		if u, err = ar.user(ctx, id); err == nil && u != nil {
			sum = userSummary(u)
		}
	case awx.TypeOrganization:
		var o *store.Organization
		if o, err = ar.s.store.OrganizationByID(ctx, id); err == nil {
			sum = activityNamedSummary{ID: o.ID, Name: o.Name, Description: o.Description}
		}
	}
	if err != nil && store.ErrorCode(err) != store.ENOTFOUND {
		return nil, "", err
	}
	ar.objs[key] = sum
	return sum, url, nil
}

func userSummary(u *store.User) awx.UserSummary {
	return awx.UserSummary{ID: u.ID, Username: u.Username, FirstName: u.FirstName, LastName: u.LastName}
}

func (ar *activityRenderer) render(ctx context.Context, e *store.Activity) (awx.ActivityStream, error) {
	v := awx.ActivityStream{
		ID:            e.ID,
		Type:          awx.TypeActivityStream,
		URL:           "/api/v2/activity_stream/" + itoa64(e.ID) + "/",
		Related:       map[string]any{},
		SummaryFields: map[string]any{},
		Timestamp:     awx.NewTime(e.Timestamp),
		Operation:     e.Operation,
		Changes:       map[string]any{},
		Object1:       e.ObjectType,
		Object2:       e.Object2,
		ActionNode:    ar.node,
	}
	if len(e.Changes) > 0 {
		// Stored by this server as a JSON object; anything else renders
		// as no changes rather than failing the page.
		_ = json.Unmarshal(e.Changes, &v.Changes)
		if v.Changes == nil {
			v.Changes = map[string]any{}
		}
	}
	if e.Object2 != "" {
		v.ObjectAssoc = e.Object2
		v.ObjectType = e.Object2
	}
	if e.ActorID != nil {
		u, err := ar.user(ctx, *e.ActorID)
		if err != nil {
			return v, err
		}
		if u != nil {
			v.Related["actor"] = "/api/v2/users/" + itoa64(u.ID) + "/"
			v.SummaryFields["actor"] = userSummary(u)
		}
	}
	sum, url, err := ar.object(ctx, e.ObjectType, e.ObjectID)
	if err != nil {
		return v, err
	}
	if sum != nil {
		v.Related[e.ObjectType] = []string{url}
		v.SummaryFields[e.ObjectType] = []any{sum}
	}
	if e.Object2 == "role" {
		if id, ok := v.Changes["role"].(float64); ok {
			v.Related["role"] = []string{"/api/v2/roles/" + itoa64(int64(id)) + "/"}
		}
	}
	return v, nil
}

// tokenUpdateChanges is AWX's {"field": [old, new]} for a token update,
// computed before the update so the entry can be written with it.
func tokenUpdateChanges(old *store.AccessToken, upd store.TokenUpdate) map[string]any {
	changes := map[string]any{}
	if upd.Description != nil && *upd.Description != old.Description {
		changes["description"] = []string{old.Description, *upd.Description}
	}
	if upd.Scope != nil && *upd.Scope != old.Scope {
		changes["scope"] = []string{old.Scope, *upd.Scope}
	}
	return changes
}

// appAfterUpdate is app as upd will leave it, for appChanges before the
// update is made.
func appAfterUpdate(app *store.Application, upd store.ApplicationUpdate) *store.Application {
	next := *app
	setStr := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	setStr(&next.Name, upd.Name)
	setStr(&next.Description, upd.Description)
	setStr(&next.ClientType, upd.ClientType)
	setStr(&next.RedirectURIs, upd.RedirectURIs)
	if upd.SkipAuthorization != nil {
		next.SkipAuthorization = *upd.SkipAuthorization
	}
	if upd.OrganizationID != nil {
		next.OrganizationID = *upd.OrganizationID
	}
	return &next
}

func itoa(n int) string { return strconv.Itoa(n) }

// userActivity is a user's activity stream snapshot; the password shows
// as AWX's "$encrypted$".
func userActivity(u *store.User) map[string]any {
	return map[string]any{
		"id":                u.ID,
		"username":          u.Username,
		"first_name":        u.FirstName,
		"last_name":         u.LastName,
		"email":             u.Email,
		"is_superuser":      u.IsSuperuser,
		"is_system_auditor": u.IsSystemAuditor,
		"password":          awx.EncryptedPassword,
	}
}

// orgActivity is an organization's activity stream snapshot.
func orgActivity(o *store.Organization) map[string]any {
	return map[string]any{"id": o.ID, "name": o.Name, "description": o.Description, "max_hosts": o.MaxHosts}
}
