package server

import (
	"context"
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

// resolveNamed loads the object the path value {id} names: a pk through
// byID, or AWX's named URL through byName. It writes the 404 itself: the
// model's "No X matches the given query." for a pk, the generic path 404 for
// a name, as AWX's named-URL resolution leaves such a path unrouted.
func resolveNamed[T any](w http.ResponseWriter, r *http.Request, byID func(context.Context, int64) (T, error), byName func(context.Context, string) (T, error)) (T, bool) {
	if id, ok := pathID(r, "id"); ok {
		v, err := byID(r.Context(), id)
		if err != nil {
			writeError(w, r, err)
			return v, false
		}
		return v, true
	}
	v, err := byName(r.Context(), r.PathValue("id"))
	if err != nil {
		if store.ErrorCode(err) == store.ENOTFOUND {
			writeNotFound(w)
		} else {
			writeError(w, r, err)
		}
		return v, false
	}
	return v, true
}

// resolveUser loads the user {id} names: a pk or a username
// (/api/v2/users/<username>/).
func (s *Server) resolveUser(w http.ResponseWriter, r *http.Request) (*store.User, bool) {
	return resolveNamed(w, r, s.store.UserByID, s.store.UserByUsername)
}

// resolveOrganization loads the organization {id} names: a pk or a name.
func (s *Server) resolveOrganization(w http.ResponseWriter, r *http.Request) (*store.Organization, bool) {
	return resolveNamed(w, r, s.store.OrganizationByID, s.store.OrganizationByName)
}

// resolveApplication loads the application {id} names: a pk, or
// "<name>++<organization name>" (AWX's named URL).
func (s *Server) resolveApplication(w http.ResponseWriter, r *http.Request) (*store.Application, bool) {
	return resolveNamed(w, r, s.store.ApplicationByID, func(ctx context.Context, named string) (*store.Application, error) {
		name, orgName, ok := splitNamedApplication(named)
		if !ok {
			return nil, store.NotFound(store.ModelApplication)
		}
		o, err := s.store.OrganizationByName(ctx, orgName)
		if err != nil {
			return nil, err
		}
		return s.store.ApplicationByName(ctx, o.ID, name)
	})
}
