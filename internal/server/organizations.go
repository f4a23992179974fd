package server

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/awxtoken/awxtoken/awx"
	"github.com/awxtoken/awxtoken/internal/access"
	"github.com/awxtoken/awxtoken/internal/store"
)

// roleNames and roleDescriptions are how AWX shows an organization's roles.
var roleNames = map[store.RoleName]string{
	store.RoleAdmin:   "Admin",
	store.RoleMember:  "Member",
	store.RoleAuditor: "Auditor",
}

var roleDescriptions = map[store.RoleName]string{
	store.RoleAdmin:   "Can manage all aspects of the organization",
	store.RoleMember:  "User is a member of the organization",
	store.RoleAuditor: "Can view all aspects of the organization",
}

// orgView is what renderOrganization needs besides the organization.
type orgView struct {
	Roles    []store.Role
	Caps     awx.UserCapabilities
	Counts   map[string]int // related_field_counts; detail only
	NamedURL bool
}

func renderOrganization(o *store.Organization, v orgView) awx.Organization {
	url := organizationPath(o.ID)
	objectRoles := make(map[string]awx.RoleSummary, len(v.Roles))
	for _, r := range v.Roles {
		objectRoles[string(r.Name)+"_role"] = awx.RoleSummary{ID: r.ID, Name: roleNames[r.Name], Description: roleDescriptions[r.Name]}
	}
	caps := v.Caps
	out := awx.Organization{
		ID:   o.ID,
		Type: awx.TypeOrganization,
		URL:  url,
		Related: awx.OrganizationRelated{
			Users:          url + "users/",
			Admins:         url + "admins/",
			Applications:   url + "applications/",
			ObjectRoles:    url + "object_roles/",
			AccessList:     url + "access_list/",
			ActivityStream: url + "activity_stream/",
		},
		SummaryFields: awx.OrganizationSummaryFields{
			ObjectRoles:       objectRoles,
			UserCapabilities:  &caps,
			RelatedFieldCount: v.Counts,
		},
		Created:     awx.NewTime(o.Created),
		Modified:    awx.NewTime(o.Modified),
		Name:        o.Name,
		Description: o.Description,
		MaxHosts:    o.MaxHosts,
	}
	if v.NamedURL {
		out.Related.NamedURL = "/api/v2/organizations/" + namedURLPart(o.Name) + "/"
	}
	return out
}

// orgCaps is user_capabilities for an organization.
func orgCaps(a access.Actor, c *Caller, orgID int64) awx.UserCapabilities {
	if c == nil || !c.CanWrite() {
		return awx.UserCapabilities{}
	}
	return awx.UserCapabilities{Edit: access.CanChangeOrganization(a, orgID), Delete: access.CanDeleteOrganization(a)}
}

// roleOf returns the role named name among roles.
func roleOf(roles []store.Role, name store.RoleName) (store.Role, bool) {
	for _, r := range roles {
		if r.Name == name {
			return r, true
		}
	}
	return store.Role{}, false
}

// listOrganizations runs q and writes the page.
func (s *Server) listOrganizations(w http.ResponseWriter, r *http.Request, a access.Actor, q store.Query) {
	orgs, n, err := s.store.ListOrganizations(r.Context(), q)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := make([]awx.Organization, 0, len(orgs))
	for _, o := range orgs {
		roles, err := s.store.OrganizationRoles(r.Context(), o.ID)
		if err != nil {
			writeError(w, r, err)
			return
		}
		out = append(out, renderOrganization(o, orgView{Roles: roles, Caps: orgCaps(a, caller(r), o.ID)}))
	}
	writePage(w, r, q, out, n)
}

// handleOrganizationList serves GET /api/v2/organizations/.
func (s *Server) handleOrganizationList(w http.ResponseWriter, r *http.Request) {
	a, err := s.actor(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	q, err := parseListQuery(r, store.OrganizationResource)
	if err != nil {
		writeError(w, r, err)
		return
	}
	q.Restrict = access.OrganizationRestriction(a)
	s.listOrganizations(w, r, a, q)
}

// loadVisibleOrganization resolves {id}: 404 when missing, 403 when the
// caller may not see it.
func (s *Server) loadVisibleOrganization(w http.ResponseWriter, r *http.Request) (*store.Organization, access.Actor, bool) {
	a, err := s.actor(r)
	if err != nil {
		writeError(w, r, err)
		return nil, a, false
	}
	o, ok := s.resolveOrganization(w, r)
	if !ok {
		return nil, a, false
	}
	if !access.CanReadOrganization(a, o.ID) {
		writeForbidden(w)
		return nil, a, false
	}
	return o, a, true
}

// writeOrganization writes the detail form of o with status.
func (s *Server) writeOrganization(w http.ResponseWriter, r *http.Request, a access.Actor, o *store.Organization, status int) {
	roles, err := s.store.OrganizationRoles(r.Context(), o.ID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	counts := map[string]int{}
	for _, rc := range []struct {
		key  string
		role store.RoleName
	}{{"users", store.RoleMember}, {"admins", store.RoleAdmin}} {
		role, ok := roleOf(roles, rc.role)
		if !ok {
			continue
		}
		_, n, err := s.store.ListRoleUsers(r.Context(), role.ID, store.Query{Limit: 1})
		if err != nil {
			writeError(w, r, err)
			return
		}
		counts[rc.key] = n
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", organizationPath(o.ID))
	}
	writeJSON(w, status, renderOrganization(o, orgView{Roles: roles, Caps: orgCaps(a, caller(r), o.ID), Counts: counts, NamedURL: true}))
}

// handleOrganizationDetail serves GET /api/v2/organizations/{id}/.
func (s *Server) handleOrganizationDetail(w http.ResponseWriter, r *http.Request) {
	o, a, ok := s.loadVisibleOrganization(w, r)
	if !ok {
		return
	}
	s.writeOrganization(w, r, a, o, http.StatusOK)
}

// orgInput is a parsed organization body; nil fields were not given.
type orgInput struct {
	Name        *string
	Description *string
	MaxHosts    *int64
}

// parseOrgInput validates an organization body; full (create, PUT) demands
// the name.
func parseOrgInput(obj map[string]json.RawMessage, full bool) (orgInput, fieldErrors) {
	var in orgInput
	errs := fieldErrors{}
	if raw, ok := obj["name"]; ok {
		v, null, msg := parseCharField(raw)
		switch {
		case msg != "":
			errs.add("name", msg)
		case null:
			errs.add("name", msgNull)
		case v == "":
			errs.add("name", msgBlank)
		case tooLong(v, 512):
			errs.add("name", "Ensure this field has no more than 512 characters.")
		default:
			in.Name = &v
		}
	} else if full {
		errs.add("name", msgRequired)
	}
	if raw, ok := obj["description"]; ok {
		v, null, msg := parseCharField(raw)
		switch {
		case msg != "":
			errs.add("description", msg)
		case null:
			empty := ""
			in.Description = &empty
		default:
			in.Description = &v
		}
	}
	if raw, ok := obj["max_hosts"]; ok && !isNull(raw) {
		n, ok := parseIntField(raw)
		switch {
		case !ok:
			errs.add("max_hosts", "A valid integer is required.")
		case n < 0:
			errs.add("max_hosts", "Ensure this value is greater than or equal to 0.")
		default:
			in.MaxHosts = &n
		}
	}
	return in, errs
}

// parseIntField reads a DRF IntegerField: an integer, an integral float, or
// a string holding one.
func parseIntField(raw json.RawMessage) (int64, bool) {
	switch jsonKind(raw) {
	case "int":
		n, err := strconv.ParseInt(string(raw), 10, 64)
		return n, err == nil
	case "float":
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil || f != float64(int64(f)) {
			return 0, false
		}
		return int64(f), true
	case "str":
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil
	}
	return 0, false
}

// handleOrganizationCreate serves POST /api/v2/organizations/ (superusers).
func (s *Server) handleOrganizationCreate(w http.ResponseWriter, r *http.Request) {
	a, err := s.actor(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if !access.CanCreateOrganization(a) {
		writeForbidden(w)
		return
	}
	obj, ok := decodeObject(w, r)
	if !ok {
		return
	}
	in, errs := parseOrgInput(obj, true)
	if len(errs) > 0 {
		writeFieldErrors(w, errs)
		return
	}
	o := &store.Organization{Name: *in.Name}
	setIf(&o.Description, in.Description)
	setIf(&o.MaxHosts, in.MaxHosts)
	actx := s.activityCtx(r, "create", awx.TypeOrganization, func() (int64, map[string]any) { return o.ID, orgActivity(o) })
	if err := s.store.CreateOrganization(actx, o); err != nil {
		writeError(w, r, err)
		return
	}
	s.writeOrganization(w, r, a, o, http.StatusCreated)
}

// handleOrganizationUpdate serves PUT and PATCH /api/v2/organizations/{id}/
// (superusers and the organization's admins).
func (s *Server) handleOrganizationUpdate(w http.ResponseWriter, r *http.Request) {
	o, a, ok := s.loadVisibleOrganization(w, r)
	if !ok {
		return
	}
	if !access.CanChangeOrganization(a, o.ID) {
		writeForbidden(w)
		return
	}
	obj, ok := decodeObject(w, r)
	if !ok {
		return
	}
	in, errs := parseOrgInput(obj, r.Method == http.MethodPut)
	if len(errs) > 0 {
		writeFieldErrors(w, errs)
		return
	}
	changes := map[string]any{}
	if in.Name != nil && *in.Name != o.Name {
		changes["name"] = []any{o.Name, *in.Name}
	}
	if in.Description != nil && *in.Description != o.Description {
		changes["description"] = []any{o.Description, *in.Description}
	}
	if in.MaxHosts != nil && *in.MaxHosts != o.MaxHosts {
		changes["max_hosts"] = []any{o.MaxHosts, *in.MaxHosts}
	}
	actx := s.activityCtx(r, "update", awx.TypeOrganization, fixed(o.ID, changes))
	no, err := s.store.UpdateOrganization(actx, o.ID, store.OrganizationUpdate{Name: in.Name, Description: in.Description, MaxHosts: in.MaxHosts})
	if err != nil {
		writeError(w, r, err)
		return
	}
	s.writeOrganization(w, r, a, no, http.StatusOK)
}

// handleOrganizationDelete serves DELETE /api/v2/organizations/{id}/
// (superusers). Its applications and their tokens go with it.
func (s *Server) handleOrganizationDelete(w http.ResponseWriter, r *http.Request) {
	o, a, ok := s.loadVisibleOrganization(w, r)
	if !ok {
		return
	}
	if !access.CanDeleteOrganization(a) {
		writeForbidden(w)
		return
	}
	if err := s.store.DeleteOrganization(s.activityCtx(r, "delete", awx.TypeOrganization, fixed(o.ID, orgActivity(o))), o.ID); err != nil {
		writeError(w, r, err)
		return
	}
	// The cascade deleted application tokens this process may have cached;
	// which ones is not known here, so drop them all (the cache refills in
	// one lookup per token).
	s.tokens.forget(func(tokenCacheEntry) bool { return true })
	w.WriteHeader(http.StatusNoContent)
}

// handleOrganizationUserList serves GET /api/v2/organizations/{id}/users/:
// the organization's direct members.
func (s *Server) handleOrganizationUserList(w http.ResponseWriter, r *http.Request) {
	s.orgRoleUsers(w, r, store.RoleMember)
}

// handleOrganizationAdminList serves GET /api/v2/organizations/{id}/admins/.
func (s *Server) handleOrganizationAdminList(w http.ResponseWriter, r *http.Request) {
	s.orgRoleUsers(w, r, store.RoleAdmin)
}

// handleOrganizationUserAssociate serves POST
// /api/v2/organizations/{id}/users/: {"id": N} adds a member,
// {"id": N, "disassociate": true} removes one.
func (s *Server) handleOrganizationUserAssociate(w http.ResponseWriter, r *http.Request) {
	s.orgRoleAssociate(w, r, store.RoleMember)
}

// handleOrganizationAdminAssociate serves POST
// /api/v2/organizations/{id}/admins/.
func (s *Server) handleOrganizationAdminAssociate(w http.ResponseWriter, r *http.Request) {
	s.orgRoleAssociate(w, r, store.RoleAdmin)
}

// orgRole loads the visible organization of the request and its role name.
func (s *Server) orgRole(w http.ResponseWriter, r *http.Request, name store.RoleName) (*store.Role, access.Actor, bool) {
	o, a, ok := s.loadVisibleOrganization(w, r)
	if !ok {
		return nil, a, false
	}
	roles, err := s.store.OrganizationRoles(r.Context(), o.ID)
	if err != nil {
		writeError(w, r, err)
		return nil, a, false
	}
	role, ok := roleOf(roles, name)
	if !ok {
		writeError(w, r, store.NotFound(store.ModelRole))
		return nil, a, false
	}
	return &role, a, true
}

func (s *Server) orgRoleUsers(w http.ResponseWriter, r *http.Request, name store.RoleName) {
	role, _, ok := s.orgRole(w, r, name)
	if !ok {
		return
	}
	s.listRoleUsers(w, r, role.ID)
}

func (s *Server) orgRoleAssociate(w http.ResponseWriter, r *http.Request, name store.RoleName) {
	role, a, ok := s.orgRole(w, r, name)
	if !ok {
		return
	}
	if !access.CanGrantRole(a, role) {
		writeForbidden(w)
		return
	}
	obj, ok := decodeObject(w, r)
	if !ok {
		return
	}
	id, disassociate, create, ok := associationOf(w, obj, true)
	if !ok {
		return
	}
	if create {
		// A body without an id creates the user, then grants the role
		// (AWX's SubListCreateAttachDetachAPIView), answering 201.
		u, a, ok := s.createUserFrom(w, r, obj)
		if !ok {
			return
		}
		actx := s.activityCtx2(r, "associate", awx.TypeUser, "role", fixed(u.ID, map[string]any{"role": role.ID, "organization": role.OrganizationID, "role_name": string(role.Name)}))
		if err := s.store.GrantRole(actx, role.ID, u.ID); err != nil {
			writeError(w, r, err)
			return
		}
		s.writeCreatedUser(w, r, a, u)
		return
	}
	s.grantOrRevoke(w, r, role, id, disassociate)
}

// handleOrganizationObjectRoleList serves GET
// /api/v2/organizations/{id}/object_roles/.
func (s *Server) handleOrganizationObjectRoleList(w http.ResponseWriter, r *http.Request) {
	o, _, ok := s.loadVisibleOrganization(w, r)
	if !ok {
		return
	}
	q, err := parsePageQuery(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	roles, err := s.store.OrganizationRoles(r.Context(), o.ID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := make([]awx.Role, 0, len(roles))
	for _, role := range roles {
		out = append(out, renderRole(role, o))
	}
	page, n := paginate(out, q)
	writePage(w, r, q, page, n)
}
