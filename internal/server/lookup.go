package server

import (
	"net/http"
	"strconv"

	"github.com/awxtoken/awxtoken/internal/store"
)

// pathID parses the path value name as a numeric id (AWX's [0-9]+). ok is
// false for anything else; the caller then tries a named URL or answers
// writeNotFound.
func pathID(r *http.Request, name string) (int64, bool) {
	v := r.PathValue(name)
	if v == "" || len(v) > 18 {
		return 0, false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}

// resolveUser loads the user the path value {id} names: a pk, or a username
// (AWX's named URL /api/v2/users/<username>/). It writes the 404 itself
// ("No User matches the given query." for a pk, the generic path 404 for a
// name, as AWX's named-URL resolution leaves such a path unrouted).
func (s *Server) resolveUser(w http.ResponseWriter, r *http.Request) (*store.User, bool) {
	if id, ok := pathID(r, "id"); ok {
		u, err := s.store.UserByID(r.Context(), id)
		if err != nil {
			writeError(w, r, err)
			return nil, false
		}
		return u, true
	}
	u, err := s.store.UserByUsername(r.Context(), r.PathValue("id"))
	if err != nil {
		if store.ErrorCode(err) == store.ENOTFOUND {
			writeNotFound(w)
		} else {
			writeError(w, r, err)
		}
		return nil, false
	}
	return u, true
}

// resolveOrganization loads the organization {id} names: a pk or a name.
func (s *Server) resolveOrganization(w http.ResponseWriter, r *http.Request) (*store.Organization, bool) {
	if id, ok := pathID(r, "id"); ok {
		o, err := s.store.OrganizationByID(r.Context(), id)
		if err != nil {
			writeError(w, r, err)
			return nil, false
		}
		return o, true
	}
	o, err := s.store.OrganizationByName(r.Context(), r.PathValue("id"))
	if err != nil {
		if store.ErrorCode(err) == store.ENOTFOUND {
			writeNotFound(w)
		} else {
			writeError(w, r, err)
		}
		return nil, false
	}
	return o, true
}

// resolveApplication loads the application {id} names: a pk, or
// "<name>++<organization name>" (AWX's named URL).
func (s *Server) resolveApplication(w http.ResponseWriter, r *http.Request) (*store.Application, bool) {
	if id, ok := pathID(r, "id"); ok {
		a, err := s.store.ApplicationByID(r.Context(), id)
		if err != nil {
			writeError(w, r, err)
			return nil, false
		}
		return a, true
	}
	name, orgName, ok := splitNamedApplication(r.PathValue("id"))
	if !ok {
		writeNotFound(w)
		return nil, false
	}
	o, err := s.store.OrganizationByName(r.Context(), orgName)
	if err == nil {
		var a *store.Application
		a, err = s.store.ApplicationByName(r.Context(), o.ID, name)
		if err == nil {
			return a, true
		}
	}
	if store.ErrorCode(err) == store.ENOTFOUND {
		writeNotFound(w)
	} else {
		writeError(w, r, err)
	}
	return nil, false
}
