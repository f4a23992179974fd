package server

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/awxtoken/awxtoken/awx"
	"github.com/awxtoken/awxtoken/internal/access"
	"github.com/awxtoken/awxtoken/internal/store"
)

// rolePath is a role's url: /api/v2/roles/{id}/.
func rolePath(id int64) string { return idPath("/api/v2/roles/", id, "") }

// renderRole renders one organization role.
func renderRole(role store.Role, o *store.Organization) awx.Role {
	url := rolePath(role.ID)
	return awx.Role{
		ID:   role.ID,
		Type: awx.TypeRole,
		URL:  url,
		Related: awx.RoleRelated{
			Users:        url + "users/",
			Teams:        url + "teams/",
			Organization: organizationPath(role.OrganizationID),
		},
		SummaryFields: awx.RoleSummaryFields{
			ResourceName:            o.Name,
			ResourceType:            awx.TypeOrganization,
			ResourceTypeDisplayName: "Organization",
			ResourceID:              o.ID,
		},
		Name:        roleNames[role.Name],
		Description: roleDescriptions[role.Name],
	}
}

// parseAssociation reads AWX's sub-list body: {"id": N} associates,
// {"id": N, "disassociate": ...} removes (the key's presence is what
// counts, as in AWX). It writes AWX's 400 {"msg": ...} itself.
func parseAssociation(w http.ResponseWriter, r *http.Request) (id int64, disassociate bool, ok bool) {
	obj, ok := decodeObject(w, r)
	if !ok {
		return 0, false, false
	}
	id, disassociate, _, ok = associationOf(w, obj, false)
	return id, disassociate, ok
}

// associationOf reads an association body already decoded. With
// allowCreate, a body whose id is absent or falsy and that does not
// disassociate asks for a new object instead (create is true), as AWX's
// SubListCreateAttachDetachAPIView does: the awx.awx user module creates a
// user through POST /organizations/{id}/users/ that way.
func associationOf(w http.ResponseWriter, obj map[string]json.RawMessage, allowCreate bool) (id int64, disassociate, create, ok bool) {
	_, disassociate = obj["disassociate"]
	raw, given := obj["id"]
	if given && jsonKind(raw) == "int" {
		n, ok := parseIntField(raw)
		if ok && n > 0 {
			return n, disassociate, false, true
		}
	}
	if allowCreate && !disassociate && (!given || isFalsy(raw)) {
		return 0, false, true, true
	}
	if disassociate && (!given || isNull(raw) || string(raw) == "0") {
		writeJSON(w, http.StatusBadRequest, map[string]string{"msg": `"id" is required to disassociate`})
	} else {
		writeJSON(w, http.StatusBadRequest, map[string]string{"msg": `"id" field must be an integer.`})
	}
	return 0, false, false, false
}

// isFalsy reports whether a JSON value is false in Python's sense (what
// AWX's `if not request.data.get('id')` tests): null, false, 0, "".
func isFalsy(raw json.RawMessage) bool {
	switch string(bytes.TrimSpace(raw)) {
	case "null", "false", "0", `""`, "0.0", "[]", "{}":
		return true
	}
	return false
}

// grantOrRevoke gives role to user userID or takes it away, answering 204.
// A missing user is AWX's get_object_or_400: 400 "User matching query does
// not exist.".
func (s *Server) grantOrRevoke(w http.ResponseWriter, r *http.Request, role *store.Role, userID int64, disassociate bool) {
	u, err := s.store.UserByID(r.Context(), userID)
	if err != nil {
		if store.ErrorCode(err) == store.ENOTFOUND {
			writeDetail(w, http.StatusBadRequest, "User matching query does not exist.")
			return
		}
		writeError(w, r, err)
		return
	}
	op := "associate"
	if disassociate {
		op = "disassociate"
	}
	actx := s.activityCtx2(r, op, awx.TypeUser, "role", fixed(u.ID, map[string]any{"role": role.ID, "organization": role.OrganizationID, "role_name": string(role.Name)}))
	if disassociate {
		err = s.store.RevokeRole(actx, role.ID, u.ID)
	} else {
		err = s.store.GrantRole(actx, role.ID, u.ID)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// listRoleUsers writes the page of users holding roleID directly.
func (s *Server) listRoleUsers(w http.ResponseWriter, r *http.Request, roleID int64) {
	q, err := parseListQuery(r, store.UserResource)
	if err != nil {
		writeError(w, r, err)
		return
	}
	users, n, err := s.store.ListRoleUsers(r.Context(), roleID, q)
	if err != nil {
		writeError(w, r, err)
		return
	}
	s.writeUserPage(w, r, q, users, n)
}

// loadVisibleRole resolves the role {id}: 404 when missing (or not a
// number), 403 when the caller may not see its organization.
func (s *Server) loadVisibleRole(w http.ResponseWriter, r *http.Request) (*store.Role, *store.Organization, access.Actor, bool) {
	a, err := s.actor(r)
	if err != nil {
		writeError(w, r, err)
		return nil, nil, a, false
	}
	id, ok := pathID(r, "id")
	if !ok {
		writeNotFound(w)
		return nil, nil, a, false
	}
	role, err := s.store.RoleByID(r.Context(), id)
	if err != nil {
		writeError(w, r, err)
		return nil, nil, a, false
	}
	if !access.CanReadRole(a, role) {
		writeForbidden(w)
		return nil, nil, a, false
	}
	o, err := s.store.OrganizationByID(r.Context(), role.OrganizationID)
	if err != nil {
		writeError(w, r, err)
		return nil, nil, a, false
	}
	return role, o, a, true
}

// handleRoleList serves GET /api/v2/roles/: the roles of the organizations
// the caller may see, by organization name.
func (s *Server) handleRoleList(w http.ResponseWriter, r *http.Request) {
	a, err := s.actor(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	q, err := parsePageQuery(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	orgs, _, err := s.store.ListOrganizations(r.Context(), store.Query{Restrict: access.OrganizationRestriction(a)})
	if err != nil {
		writeError(w, r, err)
		return
	}
	var out []awx.Role
	for _, o := range orgs {
		roles, err := s.store.OrganizationRoles(r.Context(), o.ID)
		if err != nil {
			writeError(w, r, err)
			return
		}
		for _, role := range roles {
			out = append(out, renderRole(role, o))
		}
	}
	page, n := paginate(out, q)
	writePage(w, r, q, page, n)
}

// handleRoleDetail serves GET /api/v2/roles/{id}/.
func (s *Server) handleRoleDetail(w http.ResponseWriter, r *http.Request) {
	role, o, _, ok := s.loadVisibleRole(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, renderRole(*role, o))
}

// handleRoleUserList serves GET /api/v2/roles/{id}/users/.
func (s *Server) handleRoleUserList(w http.ResponseWriter, r *http.Request) {
	role, _, _, ok := s.loadVisibleRole(w, r)
	if !ok {
		return
	}
	s.listRoleUsers(w, r, role.ID)
}

// handleRoleUserAssociate serves POST /api/v2/roles/{id}/users/.
func (s *Server) handleRoleUserAssociate(w http.ResponseWriter, r *http.Request) {
	role, _, a, ok := s.loadVisibleRole(w, r)
	if !ok {
		return
	}
	if !access.CanGrantRole(a, role) {
		writeForbidden(w)
		return
	}
	id, disassociate, ok := parseAssociation(w, r)
	if !ok {
		return
	}
	s.grantOrRevoke(w, r, role, id, disassociate)
}

// handleUserRoleList serves GET /api/v2/users/{id}/roles/: the roles the
// user holds directly, in organizations the caller may see.
func (s *Server) handleUserRoleList(w http.ResponseWriter, r *http.Request) {
	_, ms, a, ok := s.loadVisibleUser(w, r)
	if !ok {
		return
	}
	q, err := parsePageQuery(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	orgs := map[int64]*store.Organization{}
	var out []awx.Role
	for _, m := range ms {
		if !access.CanReadOrganization(a, m.OrganizationID) {
			continue
		}
		o := orgs[m.OrganizationID]
		if o == nil {
			o, err = s.store.OrganizationByID(r.Context(), m.OrganizationID)
			if err != nil {
				writeError(w, r, err)
				return
			}
			orgs[o.ID] = o
		}
		out = append(out, renderRole(store.Role{ID: m.RoleID, OrganizationID: m.OrganizationID, Name: m.Role}, o))
	}
	page, n := paginate(out, q)
	writePage(w, r, q, page, n)
}

// handleUserRoleAssociate serves POST /api/v2/users/{id}/roles/:
// {"id": roleID} grants the role to the user, with "disassociate" revokes it.
func (s *Server) handleUserRoleAssociate(w http.ResponseWriter, r *http.Request) {
	u, _, a, ok := s.loadVisibleUser(w, r)
	if !ok {
		return
	}
	roleID, disassociate, ok := parseAssociation(w, r)
	if !ok {
		return
	}
	role, err := s.store.RoleByID(r.Context(), roleID)
	if err != nil {
		if store.ErrorCode(err) == store.ENOTFOUND {
			writeDetail(w, http.StatusBadRequest, "Role matching query does not exist.")
			return
		}
		writeError(w, r, err)
		return
	}
	if !access.CanGrantRole(a, role) {
		writeForbidden(w)
		return
	}
	s.grantOrRevoke(w, r, role, u.ID, disassociate)
}
