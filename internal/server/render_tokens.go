package server

import (
	"strconv"
	"strings"

	"github.com/awxtoken/awxtoken/awx"
	"github.com/awxtoken/awxtoken/internal/store"
)

// This file renders tokens and applications as AWX's wire types. Token
// lists are the hot path of the read side, so a token renders with a handful
// of string allocations and no reflection of our own; the JSON encoder does
// the rest.

// applicationPath is an application's url: /api/v2/applications/{id}/.
func applicationPath(id int64) string { return idPath("/api/v2/applications/", id, "") }

// userPath is a user's url: /api/v2/users/{id}/.
func userPath(id int64) string { return idPath("/api/v2/users/", id, "") }

// organizationPath is an organization's url: /api/v2/organizations/{id}/.
func organizationPath(id int64) string { return idPath("/api/v2/organizations/", id, "") }

// idPath builds prefix + id + "/" + sub in one allocation; sub, when not
// empty, ends in a slash itself ("tokens/").
func idPath(prefix string, id int64, sub string) string {
	var buf [64]byte
	b := append(buf[:0], prefix...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, '/')
	b = append(b, sub...)
	return string(b)
}

// tokenSecrets carries the clear values of a token just created; only the
// response to the POST that made it has them.
type tokenSecrets struct {
	Token   string
	Refresh string // empty for a PAT
}

// censoredRefresh is shared by every rendered application token: its
// refresh_token is always the censored value, so one string serves all.
var censoredRefresh = awx.Censored

// tokenOwner and tokenApp are the parts of a token's JSON that depend only
// on its user or application, built once per user or application per
// request and shared by every token of a list.
type tokenOwner struct {
	path    string // related.user
	summary *awx.UserSummary
}

type tokenApp struct {
	path    string // related.application
	summary *awx.ApplicationSummary
}

func newTokenOwner(id int64, u *store.User) tokenOwner {
	o := tokenOwner{path: userPath(id)}
	if u != nil {
		o.summary = &awx.UserSummary{ID: u.ID, Username: u.Username, FirstName: u.FirstName, LastName: u.LastName}
	}
	return o
}

func newTokenApp(id int64, app *store.Application) tokenApp {
	a := tokenApp{path: applicationPath(id)}
	if app != nil {
		a.summary = &awx.ApplicationSummary{ID: app.ID, Name: app.Name}
	}
	return a
}

// renderToken renders t. owner describes its user, app its application
// (ignored for a PAT). secrets is non-nil only in the create response.
//
// An application token always has a refresh token here: the API, the
// password grant and the refresh grant each issue one with it, and revoking
// the refresh token deletes the access token. So refresh_token is censored
// for application tokens and null for PATs without a lookup per token.
func renderToken(t *store.AccessToken, owner tokenOwner, app tokenApp, secrets *tokenSecrets) awx.Token {
	// One allocation holds both the url and the activity stream link.
	stream := idPath("/api/v2/tokens/", t.ID, "activity_stream/")
	out := awx.Token{
		ID:   t.ID,
		Type: awx.TypeToken,
		URL:  stream[:len(stream)-len("activity_stream/")],
		Related: awx.TokenRelated{
			User:           owner.path,
			ActivityStream: stream,
		},
		SummaryFields: awx.TokenSummary{User: owner.summary},
		Created:       awx.NewTime(t.Created),
		Modified:      awx.NewTime(t.Modified),
		Description:   t.Description,
		User:          t.UserID,
		Token:         awx.Censored,
		Application:   t.ApplicationID,
		Expires:       awx.NewTime(t.Expires),
		Scope:         t.Scope,
	}
	if t.ApplicationID != nil {
		out.Related.Application = app.path
		out.SummaryFields.Application = app.summary
		out.RefreshToken = &censoredRefresh
	}
	if secrets != nil {
		out.Token = secrets.Token
		if t.ApplicationID != nil && secrets.Refresh != "" {
			r := secrets.Refresh
			out.RefreshToken = &r
		}
	}
	return out
}

// appView is what renderApplication needs besides the application itself.
type appView struct {
	Org      *store.Organization // nil when it could not be loaded
	Edit     bool                // user_capabilities, already false for read-scoped callers
	Delete   bool
	Tokens   awx.TokenBriefs
	NamedURL bool   // related.named_url: detail and create responses only
	Secret   string // the clear client secret: create response of a confidential app only
}

// renderApplication renders app. A public application has no client_secret
// key at all; a confidential one shows the secret in clear only when v.Secret
// is set (the create response) and censored otherwise.
func renderApplication(app *store.Application, v appView) awx.Application {
	url := applicationPath(app.ID)
	out := awx.Application{
		ID:   app.ID,
		Type: awx.TypeApplication,
		URL:  url,
		Related: awx.ApplicationRelated{
			Tokens:         url + "tokens/",
			ActivityStream: url + "activity_stream/",
			Organization:   organizationPath(app.OrganizationID),
		},
		SummaryFields: awx.ApplicationSummaryFields{
			UserCapabilities: &awx.UserCapabilities{Edit: v.Edit, Delete: v.Delete},
		},
		Created:                awx.NewTime(app.Created),
		Modified:               awx.NewTime(app.Modified),
		Name:                   app.Name,
		Description:            app.Description,
		ClientID:               app.ClientID,
		ClientType:             app.ClientType,
		RedirectURIs:           app.RedirectURIs,
		AuthorizationGrantType: app.AuthorizationGrantType,
		SkipAuthorization:      app.SkipAuthorization,
		Organization:           app.OrganizationID,
	}
	tokens := v.Tokens
	if tokens.Results == nil {
		tokens.Results = []awx.TokenBrief{}
	}
	out.SummaryFields.Tokens = &tokens
	if v.Org != nil {
		out.SummaryFields.Organization = &awx.OrganizationSummary{ID: v.Org.ID, Name: v.Org.Name, Description: v.Org.Description}
		if v.NamedURL {
			out.Related.NamedURL = "/api/v2/applications/" + namedURLPart(app.Name) + "++" + namedURLPart(v.Org.Name) + "/"
		}
	}
	if app.ClientType == awx.ClientConfidential {
		out.ClientSecret = awx.Censored
		if v.Secret != "" {
			out.ClientSecret = v.Secret
		}
	}
	return out
}

// namedURLReserved is how AWX escapes a name inside a named URL: the URL
// path's reserved characters percent-encoded, and "+" (the inner delimiter)
// bracketed so "a+b" cannot be read as two parts.
var namedURLReserved = strings.NewReplacer(
	";", "%3B", "/", "%2F", "?", "%3F", ":", "%3A", "@", "%40", "=", "%3D", "&", "%26",
	"[", "%5B", "]", "%5D", "+", "[+]",
)

// namedURLPart escapes one name for a named URL.
func namedURLPart(s string) string { return namedURLReserved.Replace(s) }

// splitNamedApplication splits "<name>++<organization name>" (already
// percent-decoded by the router) into its parts, undoing the "[+]" escape.
// ok is false when the text is not a named URL.
func splitNamedApplication(s string) (name, org string, ok bool) {
	const esc = "[+]"
	// Find the first "++" that is not part of an escaped "[+]".
	for i := 0; i+1 < len(s); i++ {
		if strings.HasPrefix(s[i:], esc) {
			i += len(esc) - 1
			continue
		}
		if s[i] == '+' && s[i+1] == '+' {
			name, org = s[:i], s[i+2:]
			if strings.Contains(strings.ReplaceAll(org, esc, ""), "++") {
				return "", "", false
			}
			return strings.ReplaceAll(name, esc, "+"), strings.ReplaceAll(org, esc, "+"), true
		}
	}
	return "", "", false
}
