package server

import (
	"net/http"

	"github.com/awxtoken/awxtoken/awx"
)

// apiRoot is GET /api/, keys in AWX's order.
type apiRoot struct {
	Description           string            `json:"description"`
	CurrentVersion        string            `json:"current_version"`
	AvailableVersions     map[string]string `json:"available_versions"`
	OAuth2                string            `json:"oauth2"`
	CustomLogo            string            `json:"custom_logo"`
	CustomLoginInfo       string            `json:"custom_login_info"`
	LoginRedirectOverride string            `json:"login_redirect_override"`
}

// handleAPIRoot serves GET /api/ (no authentication).
func (s *Server) handleAPIRoot(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, apiRoot{
		Description:       "AWX REST API",
		CurrentVersion:    "/api/v2/",
		AvailableVersions: map[string]string{"v2": "/api/v2/"},
		OAuth2:            "/api/o/",
	})
}

// v2Root is GET /api/v2/: the resources this server has, in the order AWX
// lists them.
type v2Root struct {
	Ping           string `json:"ping"`
	Config         string `json:"config"`
	Me             string `json:"me"`
	Organizations  string `json:"organizations"`
	Users          string `json:"users"`
	Applications   string `json:"applications"`
	Tokens         string `json:"tokens"`
	Roles          string `json:"roles"`
	ActivityStream string `json:"activity_stream"`
}

// handleV2Root serves GET /api/v2/ (no authentication).
func (s *Server) handleV2Root(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, v2Root{
		Ping:           "/api/v2/ping/",
		Config:         "/api/v2/config/",
		Me:             "/api/v2/me/",
		Organizations:  "/api/v2/organizations/",
		Users:          "/api/v2/users/",
		Applications:   "/api/v2/applications/",
		Tokens:         "/api/v2/tokens/",
		Roles:          "/api/v2/roles/",
		ActivityStream: "/api/v2/activity_stream/",
	})
}

// pingBody is GET /api/v2/ping/. A single server has no AWX instances or
// instance groups to report.
type pingBody struct {
	HA             bool     `json:"ha"`
	Version        string   `json:"version"`
	ActiveNode     string   `json:"active_node"`
	InstallUUID    string   `json:"install_uuid"`
	Instances      []string `json:"instances"`
	InstanceGroups []string `json:"instance_groups"`
}

// handlePing serves GET /api/v2/ping/ (no authentication); a 200 here is
// what "ready" means.
func (s *Server) handlePing(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, pingBody{
		Version:        s.cfg.ProductVersion,
		ActiveNode:     hostname(),
		InstallUUID:    s.cfg.InstallUUID,
		Instances:      []string{},
		InstanceGroups: []string{},
	})
}

// licenseInfo is what an open-source AWX reports.
type licenseInfo struct {
	LicenseType      string `json:"license_type"`
	ValidKey         bool   `json:"valid_key"`
	SubscriptionName string `json:"subscription_name"`
	ProductName      string `json:"product_name"`
}

// configBody is GET /api/v2/config/, the keys clients read.
type configBody struct {
	TimeZone           string         `json:"time_zone"`
	LicenseInfo        licenseInfo    `json:"license_info"`
	Version            string         `json:"version"`
	Eula               string         `json:"eula"`
	AnalyticsStatus    string         `json:"analytics_status"`
	AnalyticsCollector map[string]any `json:"analytics_collectors"`
	BecomeMethods      [][2]string    `json:"become_methods"`
	UINext             bool           `json:"ui_next"`
	ProjectBaseDir     string         `json:"project_base_dir"`
	ProjectLocalPaths  []string       `json:"project_local_paths"`
	CustomVirtualenvs  []string       `json:"custom_virtualenvs"`
}

// handleConfig serves GET /api/v2/config/.
func (s *Server) handleConfig(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, configBody{
		TimeZone:           "UTC",
		LicenseInfo:        licenseInfo{LicenseType: "open", ValidKey: true, SubscriptionName: "OPEN", ProductName: s.cfg.ProductName},
		Version:            s.cfg.ProductVersion,
		AnalyticsStatus:    "off",
		AnalyticsCollector: map[string]any{},
		BecomeMethods:      [][2]string{},
		ProjectBaseDir:     "/var/lib/awx/projects/",
		ProjectLocalPaths:  []string{},
		CustomVirtualenvs:  []string{},
	})
}

// handleMe serves GET /api/v2/me/: a one-item page holding the caller.
// It is the hot path of token validation (clients check a token with it),
// so it renders from the authenticated user without further queries, and
// a Bearer caller's body is rendered once per token cache entry: it depends
// only on the entry's user and token scope, and the entry is dropped when
// either changes.
func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	c := caller(r)
	if c.entry != nil {
		if b := c.entry.me.Load(); b != nil {
			writeJSONBytes(w, http.StatusOK, *b)
			return
		}
	}
	u := renderUser(c.User, awx.UserCapabilities{Edit: c.CanWrite(), Delete: false})
	if c.entry == nil {
		writeUserPage(w, http.StatusOK, &u)
		return
	}
	// Shared by the requests that follow, which only read it.
	body := appendUserPage(nil, &u)
	c.entry.me.Store(&body)
	writeJSONBytes(w, http.StatusOK, body)
}
