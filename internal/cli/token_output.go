package cli

import (
	"fmt"
	"io"

	"github.com/awxtoken/awxtoken/awx"
)

// tokenColumns are AWX.psm's default view of a token. The token itself is
// never a column: it is shown once, by `awxtoken new`, as an extra field.
var tokenColumns = []string{"Id", "Type", "Description", "Created", "Modified", "Expires",
	"User", "Username", "Application", "ApplicationName", "Scope"}

func tokenRow(t *awx.Token) []string {
	var username, appName string
	if u := t.SummaryFields.User; u != nil {
		username = u.Username
	}
	if a := t.SummaryFields.Application; a != nil {
		appName = a.Name
	}
	return []string{fmt.Sprint(t.ID), t.Type, t.Description, formatTime(t.Created),
		formatTime(t.Modified), formatTime(t.Expires), fmt.Sprint(t.User), username,
		formatID(t.Application), appName, t.Scope}
}

func writeTokenTable(w io.Writer, tokens []*awx.Token) error {
	t := newTable(w, tokenColumns...)
	for _, tok := range tokens {
		t.row(tokenRow(tok)...)
	}
	return t.flush()
}

// writeNewToken shows a just-created token as a list of fields, the clear
// token (and refresh token) included: this is the only time they exist.
func writeNewToken(w io.Writer, t *awx.Token) error {
	row := tokenRow(t)
	fields := make([][2]string, 0, len(row)+2)
	for i, name := range tokenColumns {
		fields = append(fields, [2]string{name, row[i]})
	}
	fields = append(fields, [2]string{"Token", t.Token})
	if t.RefreshToken != nil && *t.RefreshToken != "" {
		fields = append(fields, [2]string{"RefreshToken", *t.RefreshToken})
	}
	return writeFields(w, fields)
}

// applicationColumns are AWX.psm's default view of an application.
var applicationColumns = []string{"Id", "Type", "Name", "Description", "Created", "Modified",
	"ClientId", "ClientType", "RedirectUris", "AuthorizationGrantType", "SkipAuthorization",
	"Organization", "OrganizationName"}

func applicationRow(a *awx.Application) []string {
	var orgName string
	if o := a.SummaryFields.Organization; o != nil {
		orgName = o.Name
	}
	return []string{fmt.Sprint(a.ID), a.Type, a.Name, a.Description, formatTime(a.Created),
		formatTime(a.Modified), a.ClientID, a.ClientType, a.RedirectURIs,
		a.AuthorizationGrantType, fmt.Sprint(a.SkipAuthorization), fmt.Sprint(a.Organization), orgName}
}

func writeApplicationTable(w io.Writer, apps []*awx.Application) error {
	t := newTable(w, applicationColumns...)
	for _, a := range apps {
		t.row(applicationRow(a)...)
	}
	return t.flush()
}

// writeNewApplication shows a just-created application as fields, with the
// client secret of a confidential one: the only time it is in clear.
func writeNewApplication(w io.Writer, a *awx.Application) error {
	row := applicationRow(a)
	fields := make([][2]string, 0, len(row)+1)
	for i, name := range applicationColumns {
		fields = append(fields, [2]string{name, row[i]})
	}
	if a.ClientSecret != "" {
		fields = append(fields, [2]string{"ClientSecret", a.ClientSecret})
	}
	return writeFields(w, fields)
}
