package server

import (
	"net/http"
	"slices"
	"strings"
)

// routes builds the whole HTTP surface: every route the server answers is
// registered here (the OAuth2 resources in routes_tokens.go), with Go 1.22
// patterns, behind the middleware.
func (s *Server) routes() http.Handler {
	rt := newRouter(s)

	// Roots and service endpoints (root.go).
	rt.public("GET /api/", s.handleAPIRoot)
	rt.public("GET /api/v2/", s.handleV2Root)
	rt.public("GET /api/v2/ping/", s.handlePing)
	rt.handle("GET /api/v2/config/", s.handleConfig)
	rt.handle("GET /api/v2/me/", s.handleMe)

	// Users (users.go). {id} is a pk or a username (named URL).
	rt.handle("GET /api/v2/users/", s.handleUserList)
	rt.handle("POST /api/v2/users/", s.handleUserCreate)
	rt.handle("GET /api/v2/users/{id}/", s.handleUserDetail)
	rt.handle("PUT /api/v2/users/{id}/", s.handleUserUpdate)
	rt.handle("PATCH /api/v2/users/{id}/", s.handleUserUpdate)
	rt.handle("DELETE /api/v2/users/{id}/", s.handleUserDelete)
	rt.handle("GET /api/v2/users/{id}/organizations/", s.handleUserOrganizationList)
	rt.handle("GET /api/v2/users/{id}/admin_of_organizations/", s.handleUserAdminOfOrganizationList)
	rt.handle("GET /api/v2/users/{id}/roles/", s.handleUserRoleList)
	rt.handle("POST /api/v2/users/{id}/roles/", s.handleUserRoleAssociate)

	// Organizations (organizations.go). {id} is a pk or a name.
	rt.handle("GET /api/v2/organizations/", s.handleOrganizationList)
	rt.handle("POST /api/v2/organizations/", s.handleOrganizationCreate)
	rt.handle("GET /api/v2/organizations/{id}/", s.handleOrganizationDetail)
	rt.handle("PUT /api/v2/organizations/{id}/", s.handleOrganizationUpdate)
	rt.handle("PATCH /api/v2/organizations/{id}/", s.handleOrganizationUpdate)
	rt.handle("DELETE /api/v2/organizations/{id}/", s.handleOrganizationDelete)
	rt.handle("GET /api/v2/organizations/{id}/users/", s.handleOrganizationUserList)
	rt.handle("POST /api/v2/organizations/{id}/users/", s.handleOrganizationUserAssociate)
	rt.handle("GET /api/v2/organizations/{id}/admins/", s.handleOrganizationAdminList)
	rt.handle("POST /api/v2/organizations/{id}/admins/", s.handleOrganizationAdminAssociate)
	rt.handle("GET /api/v2/organizations/{id}/object_roles/", s.handleOrganizationObjectRoleList)

	// Roles (roles.go).
	rt.handle("GET /api/v2/roles/", s.handleRoleList)
	rt.handle("GET /api/v2/roles/{id}/", s.handleRoleDetail)
	rt.handle("GET /api/v2/roles/{id}/users/", s.handleRoleUserList)
	rt.handle("POST /api/v2/roles/{id}/users/", s.handleRoleUserAssociate)

	// Tokens, applications, activity stream and /api/o/: routes_tokens.go.
	s.tokenRoutes(rt)
	// Activity stream (activity.go).
	s.activityRoutes(rt)

	rt.finish()
	return chain(rt, s.withRequestID, s.withAWXHeaders, s.withMetrics, s.withRecover, s.withBodyLimit)
}

// chain applies middleware, the first one outermost.
func chain(h http.Handler, mw ...func(http.Handler) http.Handler) http.Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

// routeKind says how a route authenticates.
type routeKind int

const (
	// authRequired: 401 without credentials; the read-scope rule applies.
	authRequired routeKind = iota
	// public: anonymous callers allowed; credentials, when given, are
	// still checked (a bad Basic password is a 401 everywhere, as in AWX).
	public
	// oauthEndpoint: /api/o/ views. No user authentication at all: their
	// Authorization header carries client credentials, and the read-scope
	// rule does not apply (spec section 5).
	oauthEndpoint
)

// router registers routes on a ServeMux and remembers, per path, which
// methods exist, so a wrong method gets AWX's 405 body and an Allow header
// instead of the mux's plain-text one.
type router struct {
	s     *Server
	mux   *http.ServeMux
	paths map[string]*pathInfo
	order []string
	meta  map[string]*viewMeta // OPTIONS metadata by path (options.go)
}

type pathInfo struct {
	kind    routeKind
	methods []string
}

func newRouter(s *Server) *router {
	return &router{s: s, mux: http.NewServeMux(), paths: map[string]*pathInfo{}, meta: optionsMeta()}
}

// handle registers an authenticated route: "METHOD /path/" (a GET route
// answers HEAD too). A path ending in a slash matches exactly, never as a
// subtree.
func (rt *router) handle(pattern string, h http.HandlerFunc) { rt.add(authRequired, pattern, h) }

// public registers a route that anonymous callers may use.
func (rt *router) public(pattern string, h http.HandlerFunc) { rt.add(public, pattern, h) }

// oauth registers an /api/o/ route (no user authentication, no scope rule).
func (rt *router) oauth(pattern string, h http.HandlerFunc) { rt.add(oauthEndpoint, pattern, h) }

func (rt *router) add(kind routeKind, pattern string, h http.HandlerFunc) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok || method == "" || !strings.HasPrefix(path, "/") {
		panic("server: route pattern must be \"METHOD /path/\": " + pattern)
	}
	p := rt.paths[path]
	if p == nil {
		p = &pathInfo{kind: kind}
		rt.paths[path] = p
		rt.order = append(rt.order, path)
	} else if p.kind != kind {
		panic("server: mixed authentication kinds on " + path)
	}
	p.methods = append(p.methods, method)
	if method == http.MethodGet {
		p.methods = append(p.methods, http.MethodHead)
	}
	rt.mux.Handle(method+" "+exact(path), rt.s.guard(kind, h))
}

// exact turns "/a/b/" into "/a/b/{$}" so it does not match "/a/b/c".
func exact(path string) string {
	if strings.HasSuffix(path, "/") {
		return path + "{$}"
	}
	return path
}

// finish registers, for each path, the answer to the methods it lacks, and
// the catch-all 404.
func (rt *router) finish() {
	for path := range rt.meta {
		if rt.paths[path] == nil {
			panic("server: OPTIONS metadata for a path with no route: " + path)
		}
	}
	for _, path := range rt.order {
		p := rt.paths[path]
		allow := append(slices.Clone(p.methods), http.MethodOptions)
		slices.Sort(allow)
		allow = slices.Compact(allow)
		allowHeader := strings.Join(allow, ", ")
		meta := rt.meta[path]
		rt.mux.Handle(exact(path), rt.s.guard(p.kind, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allowHeader)
			if r.Method == http.MethodOptions {
				rt.s.writeOptions(w, r, path, meta)
				return
			}
			if p.kind == oauthEndpoint {
				// Django's HttpResponseNotAllowed: no body.
				w.WriteHeader(http.StatusMethodNotAllowed)
				return
			}
			writeDetail(w, http.StatusMethodNotAllowed, `Method "`+r.Method+`" not allowed.`)
		})))
	}
	for path, name := range roleCollections {
		rt.mux.Handle("OPTIONS "+exact(path), rt.s.guard(authRequired, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeAbsentCollectionOptions(w, name)
		})))
	}
	rt.mux.HandleFunc("/", rt.notFound)
}

// ServeHTTP routes a request. Every route ends in a slash, so a path
// without one goes straight to notFound; the ServeMux would otherwise
// answer it with its own redirect (307 for every method). A path that is
// not canonical goes there too, for the same reason.
func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The escaped path decides: "/api/v2/users/2%2F" does not end in a
	// slash, however its decoded form looks.
	if !strings.HasSuffix(r.URL.EscapedPath(), "/") || !canonical(r.URL.Path) {
		rt.notFound(w, r)
		return
	}
	rt.mux.ServeHTTP(w, r)
}

// canonical reports whether p has no empty, "." or ".." segment (decoded,
// so %2e%2e counts). The ServeMux would answer any other path with a
// plain-text 307 to its cleaned form; here it names nothing (AWX's 404), so
// no spelling of a path reaches a route it does not name.
func canonical(p string) bool {
	return !strings.Contains(p, "//") && !strings.Contains(p, "/./") && !strings.Contains(p, "/../") &&
		!strings.HasSuffix(p, "/.") && !strings.HasSuffix(p, "/..")
}

// notFound answers every unrouted path with AWX's 404, without looking at
// credentials: clients probe other dialects (/o/token/,
// /api/gateway/v1/tokens/) and fall back only on a 404. Like Django's
// APPEND_SLASH, a GET of a routed path without its trailing slash is
// redirected (301) to the path with it.
func (rt *router) notFound(w http.ResponseWriter, r *http.Request) {
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && !strings.HasSuffix(r.URL.Path, "/") && canonical(r.URL.Path) && r.URL.RawPath == "" {
		probe := r.Clone(r.Context())
		probe.URL.Path = r.URL.Path + "/"
		probe.URL.RawPath = ""
		if _, pattern := rt.mux.Handler(probe); pattern != "" && pattern != "/" {
			target := r.URL.EscapedPath() + "/"
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			w.Header().Set("Location", target)
			w.WriteHeader(http.StatusMovedPermanently)
			return
		}
	}
	writeNotFound(w)
}

// guard authenticates the request as the route's kind demands, records the
// caller, and applies the read-scope rule: a token without "write" may only
// GET, HEAD and OPTIONS (AWX answers 403 before anything else is checked,
// even for a superuser deleting their own token).
func (s *Server) guard(kind routeKind, h http.Handler) http.Handler {
	if kind == oauthEndpoint {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, handled := s.authenticate(w, r)
		if handled {
			return
		}
		if c != nil {
			if st := state(r); st != nil {
				st.caller = c
			}
			w.Header()["X-Api-Product-Version"] = s.productVersion
		}
		if kind == authRequired {
			if c == nil {
				writeUnauthorized(w, msgNotAuthenticated)
				return
			}
			if !safeMethod(r.Method) && !c.CanWrite() {
				writeForbidden(w)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}
