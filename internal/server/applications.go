package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/awxtoken/awxtoken/awx"
	"github.com/awxtoken/awxtoken/internal/access"
	"github.com/awxtoken/awxtoken/internal/secret"
	"github.com/awxtoken/awxtoken/internal/store"
)

// This file serves the OAuth2 applications: /api/v2/applications/, an
// application's detail, and the application lists of organizations and
// users. A confidential application's client secret is made here, shown in
// clear once, and stored only as its digest.

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// tokenBriefsMax is how many tokens an application's summary_fields list.
const tokenBriefsMax = 10

// appRenderer renders applications, loading each organization once per
// request.
type appRenderer struct {
	s    *Server
	a    access.Actor
	c    *Caller
	orgs map[int64]*store.Organization
}

func (s *Server) newAppRenderer(r *http.Request, a access.Actor) *appRenderer {
	return &appRenderer{s: s, a: a, c: caller(r), orgs: map[int64]*store.Organization{}}
}

// render renders app; namedURL and clientSecret as in appView.
func (ar *appRenderer) render(ctx context.Context, app *store.Application, namedURL bool, clientSecret string) (awx.Application, error) {
	org, ok := ar.orgs[app.OrganizationID]
	if !ok {
		var err error
		org, err = ar.s.store.OrganizationByID(ctx, app.OrganizationID)
		if err != nil && store.ErrorCode(err) != store.ENOTFOUND {
			return awx.Application{}, err
		}
		ar.orgs[app.OrganizationID] = org
	}
	briefs, err := ar.s.tokenBriefs(ctx, app.ID)
	if err != nil {
		return awx.Application{}, err
	}
	v := appView{Org: org, Tokens: briefs, NamedURL: namedURL, Secret: clientSecret}
	// A read-scoped token may change nothing, so it is told it can't.
	if ar.c != nil && ar.c.CanWrite() {
		v.Edit = access.CanChangeApplication(ar.a, app, nil)
		v.Delete = access.CanDeleteApplication(ar.a, app)
	}
	return renderApplication(app, v), nil
}

// tokenBriefs is an application's summary_fields.tokens: the count of all
// its tokens and the first ten by id, whoever owns them (AWX does not
// filter this by the viewer; the token values are censored anyway).
func (s *Server) tokenBriefs(ctx context.Context, appID int64) (awx.TokenBriefs, error) {
	q := store.Query{
		Filters: []store.Filter{{Field: "application", Lookup: "exact", Value: itoa64(appID)}},
		OrderBy: []store.Order{{Field: "id"}},
		Limit:   tokenBriefsMax,
	}
	toks, n, err := s.store.ListAccessTokens(ctx, q)
	if err != nil {
		return awx.TokenBriefs{}, err
	}
	out := awx.TokenBriefs{Count: n, Results: make([]awx.TokenBrief, 0, len(toks))}
	for _, t := range toks {
		out.Results = append(out.Results, awx.TokenBrief{ID: t.ID, Token: awx.Censored, Scope: t.Scope})
	}
	return out, nil
}

// listApplications serves an application list: AWX's query string plus the
// handler's fixed filters, limited to what the caller may see.
func (s *Server) listApplications(w http.ResponseWriter, r *http.Request, a access.Actor, fixed ...store.Filter) {
	q, err := parseListQuery(r, store.ApplicationResource)
	if err != nil {
		writeError(w, r, err)
		return
	}
	q.Filters = append(q.Filters, fixed...)
	q.Restrict = access.ApplicationRestriction(a)
	apps, n, err := s.store.ListApplications(r.Context(), q)
	if err != nil {
		writeError(w, r, err)
		return
	}
	ar := s.newAppRenderer(r, a)
	out := make([]awx.Application, 0, len(apps))
	for _, app := range apps {
		v, err := ar.render(r.Context(), app, false, "")
		if err != nil {
			writeError(w, r, err)
			return
		}
		out = append(out, v)
	}
	writePage(w, r, q, out, n)
}

// handleApplicationList serves GET /api/v2/applications/.
func (s *Server) handleApplicationList(w http.ResponseWriter, r *http.Request) {
	a, err := s.actor(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	s.listApplications(w, r, a)
}

// handleUserApplicationList serves GET /api/v2/users/{id}/applications/,
// which AWX answers like /applications/ once {id} names a visible user.
func (s *Server) handleUserApplicationList(w http.ResponseWriter, r *http.Request) {
	_, a, ok := s.loadParentUser(w, r)
	if !ok {
		return
	}
	s.listApplications(w, r, a)
}

// handleOrganizationApplicationList serves GET /api/v2/organizations/{id}/applications/.
func (s *Server) handleOrganizationApplicationList(w http.ResponseWriter, r *http.Request) {
	o, a, ok := s.loadVisibleOrganization(w, r)
	if !ok {
		return
	}
	s.listApplications(w, r, a, store.Filter{Field: "organization", Lookup: "exact", Value: itoa64(o.ID)})
}

// loadVisibleApplication resolves {id} (a pk or "<name>++<organization>")
// and checks the caller may see it: 404 when missing, 403 when hidden.
func (s *Server) loadVisibleApplication(w http.ResponseWriter, r *http.Request) (*store.Application, access.Actor, bool) {
	a, err := s.actor(r)
	if err != nil {
		writeError(w, r, err)
		return nil, a, false
	}
	app, ok := s.resolveApplication(w, r)
	if !ok {
		return nil, a, false
	}
	if !access.CanReadApplication(a, app) {
		writeForbidden(w)
		return nil, a, false
	}
	return app, a, true
}

// handleApplicationDetail serves GET /api/v2/applications/{id}/.
func (s *Server) handleApplicationDetail(w http.ResponseWriter, r *http.Request) {
	app, a, ok := s.loadVisibleApplication(w, r)
	if !ok {
		return
	}
	v, err := s.newAppRenderer(r, a).render(r.Context(), app, true, "")
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// appInput is a parsed application body; nil fields were not given (or
// were invalid, which errs then says).
type appInput struct {
	Name         *string
	Description  *string
	ClientType   *string
	GrantType    *string
	RedirectURIs *string
	Skip         *bool
	Org          *store.Organization
}

// appMode says which fields a body must and may carry.
type appMode int

const (
	appCreate appMode = iota // POST: client_type, authorization_grant_type, organization required
	appPut                   // PUT: client_type and organization required; grant type read-only
	appPatch                 // PATCH: nothing required; grant type read-only
)

// parseApplicationInput validates a body as AWX's OAuth2ApplicationSerializer
// does, field by field. urlOrg is the organization of
// /organizations/{id}/applications/, which replaces any in the body.
// client_id, client_secret and user are read-only and ignored.
func (s *Server) parseApplicationInput(ctx context.Context, obj map[string]json.RawMessage, mode appMode, urlOrg *store.Organization) (appInput, fieldErrors, error) {
	var in appInput
	errs := fieldErrors{}
	str := func(key string, maxLen int) *string { return charField(obj, errs, key, maxLen, true) }
	choice := func(key string, required bool, choices ...string) *string {
		raw, ok := obj[key]
		if !ok {
			if required {
				errs.add(key, msgRequired)
			}
			return nil
		}
		v, null, msg := parseCharField(raw)
		switch {
		case msg != "":
			errs.add(key, msg)
		case null:
			errs.add(key, msgNull)
		default:
			for _, c := range choices {
				if v == c {
					return &v
				}
			}
			errs.add(key, invalidChoice(v))
		}
		return nil
	}

	in.Name = str("name", 255)
	in.Description = str("description", 0)
	in.ClientType = choice("client_type", mode != appPatch, awx.ClientConfidential, awx.ClientPublic)
	if mode == appCreate {
		in.GrantType = choice("authorization_grant_type", true, awx.GrantAuthorizationCode, awx.GrantPassword)
	}
	in.RedirectURIs = str("redirect_uris", 0)
	if raw, ok := obj["skip_authorization"]; ok {
		v, null, msg := parseBoolField(raw)
		switch {
		case msg != "":
			errs.add("skip_authorization", msg)
		case null:
			errs.add("skip_authorization", msgNull)
		default:
			in.Skip = &v
		}
	}

	if urlOrg != nil {
		in.Org = urlOrg
		return in, errs, nil
	}
	raw, ok := obj["organization"]
	if !ok {
		if mode != appPatch {
			errs.add("organization", msgRequired)
		}
		return in, errs, nil
	}
	id, display, null, msg := parsePKField(raw)
	switch {
	case msg != "":
		errs.add("organization", msg)
	case null:
		errs.add("organization", msgNull)
	default:
		o, err := s.store.OrganizationByID(ctx, id)
		if store.ErrorCode(err) == store.ENOTFOUND {
			errs.add("organization", invalidPK(display))
		} else if err != nil {
			return in, errs, err
		} else {
			in.Org = o
		}
	}
	return in, errs, nil
}

// validateApplication applies the model's own checks (oauth2_provider's
// Application.clean and the unique (name, organization) pair) to the
// application as it would be saved. Their messages go under "__all__".
func (s *Server) validateApplication(ctx context.Context, selfID int64, name string, orgID int64, grantType, redirectURIs string) (fieldErrors, error) {
	errs := fieldErrors{}
	uris := strings.Fields(redirectURIs)
	if len(uris) == 0 && grantType == awx.GrantAuthorizationCode {
		errs.add("__all__", "redirect_uris cannot be empty with grant_type "+grantType)
	}
	for _, u := range uris {
		p, err := url.Parse(u)
		if err != nil || p.Scheme == "" || p.Host == "" || p.Fragment != "" {
			errs.add("__all__", "Enter a valid URL.")
			break
		}
		if sc := strings.ToLower(p.Scheme); sc != "http" && sc != "https" {
			errs.add("__all__", "Unauthorized redirect scheme: "+sc)
			break
		}
	}
	other, err := s.store.ApplicationByName(ctx, orgID, name)
	switch {
	case err == nil && other.ID != selfID:
		errs.add("__all__", msgAppExists)
	case err != nil && store.ErrorCode(err) != store.ENOTFOUND:
		return nil, err
	}
	return errs, nil
}

const msgAppExists = "Application with this Name and Organization already exists."

// handleApplicationCreate serves POST /api/v2/applications/.
func (s *Server) handleApplicationCreate(w http.ResponseWriter, r *http.Request) {
	s.createApplication(w, r, nil)
}

// handleOrganizationApplicationCreate serves POST /api/v2/organizations/{id}/applications/:
// the organization comes from the URL.
func (s *Server) handleOrganizationApplicationCreate(w http.ResponseWriter, r *http.Request) {
	o, _, ok := s.loadVisibleOrganization(w, r)
	if !ok {
		return
	}
	s.createApplication(w, r, o)
}

// createApplication creates an application per spec section 2.3. The
// permission check (superuser or admin of the organization) comes before
// the field errors once the organization is known, as AWX checks
// permissions before it validates.
func (s *Server) createApplication(w http.ResponseWriter, r *http.Request, urlOrg *store.Organization) {
	a, err := s.actor(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	obj, ok := decodeObject(w, r)
	if !ok {
		return
	}
	in, errs, err := s.parseApplicationInput(r.Context(), obj, appCreate, urlOrg)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if in.Org != nil && !access.CanCreateApplication(a, in.Org.ID) {
		writeForbidden(w)
		return
	}
	if len(errs) > 0 {
		writeFieldErrors(w, errs)
		return
	}
	app := &store.Application{
		Name:                   deref(in.Name),
		Description:            deref(in.Description),
		ClientID:               secret.NewClientID(),
		ClientType:             *in.ClientType,
		AuthorizationGrantType: *in.GrantType,
		RedirectURIs:           deref(in.RedirectURIs),
		SkipAuthorization:      in.Skip != nil && *in.Skip,
		OrganizationID:         in.Org.ID,
	}
	errs, err = s.validateApplication(r.Context(), 0, app.Name, app.OrganizationID, app.AuthorizationGrantType, app.RedirectURIs)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if len(errs) > 0 {
		writeFieldErrors(w, errs)
		return
	}
	clientSecret := ""
	if app.ClientType == awx.ClientConfidential {
		clientSecret = secret.NewClientSecret()
		app.ClientSecretDigest = secret.Digest(clientSecret)
	}
	// A concurrent create of the same name is caught by the store's unique
	// index and answered with the same "__all__" message by writeError.
	actx := s.activityCtx(r, "create", awx.TypeApplication, func() (int64, map[string]any) { return app.ID, appActivity(app) })
	if err := s.store.CreateApplication(actx, app); err != nil {
		writeError(w, r, err)
		return
	}
	ar := s.newAppRenderer(r, a)
	ar.orgs[in.Org.ID] = in.Org
	v, err := ar.render(r.Context(), app, true, clientSecret)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", v.URL)
	writeJSON(w, http.StatusCreated, v)
}

// handleApplicationUpdate serves PUT and PATCH /api/v2/applications/{id}/.
// authorization_grant_type is read-only here. A switch to public drops the
// client secret; a switch to confidential makes one, shown in clear in this
// response because it is the response that created it (there is no other
// way to learn it).
func (s *Server) handleApplicationUpdate(w http.ResponseWriter, r *http.Request) {
	a, err := s.actor(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	app, ok := s.resolveApplication(w, r)
	if !ok {
		return
	}
	obj, ok := decodeObject(w, r)
	if !ok {
		return
	}
	mode := appPut
	if r.Method == http.MethodPatch {
		mode = appPatch
	}
	in, errs, err := s.parseApplicationInput(r.Context(), obj, mode, nil)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var newOrg *int64
	if in.Org != nil {
		newOrg = &in.Org.ID
	}
	if !access.CanChangeApplication(a, app, newOrg) {
		writeForbidden(w)
		return
	}
	if len(errs) > 0 {
		writeFieldErrors(w, errs)
		return
	}
	next := *app
	upd := store.ApplicationUpdate{Name: in.Name, Description: in.Description, ClientType: in.ClientType, RedirectURIs: in.RedirectURIs, SkipAuthorization: in.Skip, OrganizationID: newOrg}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&next.Name, in.Name)
	set(&next.RedirectURIs, in.RedirectURIs)
	if newOrg != nil {
		next.OrganizationID = *newOrg
	}
	errs, err = s.validateApplication(r.Context(), app.ID, next.Name, next.OrganizationID, app.AuthorizationGrantType, next.RedirectURIs)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if len(errs) > 0 {
		writeFieldErrors(w, errs)
		return
	}
	clientSecret := ""
	if in.ClientType != nil && *in.ClientType != app.ClientType {
		if *in.ClientType == awx.ClientConfidential {
			clientSecret = secret.NewClientSecret()
			upd.ClientSecretDigest = secret.Digest(clientSecret)
		} else {
			upd.ClientSecretDigest = []byte{}
		}
	}
	actx := s.activityCtx(r, "update", awx.TypeApplication, fixed(app.ID, appChanges(app, appAfterUpdate(app, upd))))
	updated, err := s.store.UpdateApplication(actx, app.ID, upd)
	if err != nil {
		writeError(w, r, err)
		return
	}
	v, err := s.newAppRenderer(r, a).render(r.Context(), updated, true, clientSecret)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// handleApplicationDelete serves DELETE /api/v2/applications/{id}/; the
// store deletes its tokens with it.
func (s *Server) handleApplicationDelete(w http.ResponseWriter, r *http.Request) {
	a, err := s.actor(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	app, ok := s.resolveApplication(w, r)
	if !ok {
		return
	}
	if !access.CanDeleteApplication(a, app) {
		writeForbidden(w)
		return
	}
	if err := s.store.DeleteApplication(s.activityCtx(r, "delete", awx.TypeApplication, fixed(app.ID, appActivity(app))), app.ID); err != nil {
		writeError(w, r, err)
		return
	}
	// Its tokens went with it; none may keep authenticating from the cache.
	s.tokens.forget(func(e tokenCacheEntry) bool {
		return e.tok.ApplicationID != nil && *e.tok.ApplicationID == app.ID
	})
	w.WriteHeader(http.StatusNoContent)
}

// appActivity is an application's activity stream snapshot; the client
// secret shows censored.
func appActivity(app *store.Application) map[string]any {
	m := map[string]any{
		"id":                       app.ID,
		"name":                     app.Name,
		"description":              app.Description,
		"client_id":                app.ClientID,
		"client_type":              app.ClientType,
		"redirect_uris":            app.RedirectURIs,
		"authorization_grant_type": app.AuthorizationGrantType,
		"skip_authorization":       app.SkipAuthorization,
		"organization":             app.OrganizationID,
	}
	if app.ClientType == awx.ClientConfidential {
		m["client_secret"] = awx.Censored
	}
	return m
}

// appChanges lists what an update changed, AWX's {"field": [old, new]}.
func appChanges(old, cur *store.Application) map[string]any {
	m := map[string]any{}
	add := func(k string, o, n any) {
		if o != n {
			m[k] = []any{o, n}
		}
	}
	add("name", old.Name, cur.Name)
	add("description", old.Description, cur.Description)
	add("client_type", old.ClientType, cur.ClientType)
	add("redirect_uris", old.RedirectURIs, cur.RedirectURIs)
	add("skip_authorization", old.SkipAuthorization, cur.SkipAuthorization)
	add("organization", old.OrganizationID, cur.OrganizationID)
	return m
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
