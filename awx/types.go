package awx

import (
	"bytes"
	"fmt"
	"time"
)

// Censored is what AWX shows in place of a secret it will not reveal
// (CENSOR_VALUE: twelve asterisks).
const Censored = "************"

// EncryptedPassword is what AWX shows in place of a user's password.
const EncryptedPassword = "$encrypted$"

// Type names AWX puts in the "type" key of each object.
const (
	TypeToken          = "o_auth2_access_token"
	TypeApplication    = "o_auth2_application"
	TypeUser           = "user"
	TypeOrganization   = "organization"
	TypeRole           = "role"
	TypeActivityStream = "activity_stream"
)

// timeLayout is AWX's datetime format: ISO 8601 in UTC with microseconds and a Z.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// Time is a datetime as AWX writes it ("2024-10-09T02:23:08.123456Z").
// It reads any RFC 3339 time, so values from other servers decode too.
type Time struct{ time.Time }

// NewTime wraps t, dropping precision finer than AWX keeps (microseconds).
func NewTime(t time.Time) Time { return Time{t.UTC().Truncate(time.Microsecond)} }

// NewTimePtr is NewTime for optional (nullable) datetimes; nil stays nil.
func NewTimePtr(t *time.Time) *Time {
	if t == nil {
		return nil
	}
	v := NewTime(*t)
	return &v
}

// String formats the time the way AWX does.
func (t Time) String() string { return t.UTC().Format(timeLayout) }

// MarshalJSON writes AWX's datetime format.
func (t Time) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, len(timeLayout)+2)
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, timeLayout)
	return append(b, '"'), nil
}

// UnmarshalJSON reads an RFC 3339 datetime; null leaves the zero time.
func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return fmt.Errorf("awx: datetime must be a string, got %s", b)
	}
	v, err := time.Parse(time.RFC3339Nano, string(b[1:len(b)-1]))
	if err != nil {
		return fmt.Errorf("awx: bad datetime: %w", err)
	}
	t.Time = v
	return nil
}

// Page is AWX's list envelope.
type Page[T any] struct {
	Count    int     `json:"count"`
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  []T     `json:"results"`
}

// UserSummary is the short form of a user inside summary_fields.
type UserSummary struct {
	ID        int64  `json:"id"`
	Username  string `json:"username"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
}

// ApplicationSummary is the short form of an application inside summary_fields.
type ApplicationSummary struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// OrganizationSummary is the short form of an organization inside summary_fields.
type OrganizationSummary struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// UserCapabilities tells what the caller may do with an object.
type UserCapabilities struct {
	Edit   bool `json:"edit"`
	Delete bool `json:"delete"`
}

// Token is an OAuth2 access token (AWX's OAuth2AccessToken), keys in AWX's order.
// Token and RefreshToken are in clear only in the response that created them.
type Token struct {
	ID            int64        `json:"id"`
	Type          string       `json:"type"`
	URL           string       `json:"url"`
	Related       TokenRelated `json:"related"`
	SummaryFields TokenSummary `json:"summary_fields"`
	Created       Time         `json:"created"`
	Modified      Time         `json:"modified"`
	Description   string       `json:"description"`
	User          int64        `json:"user"`
	Token         string       `json:"token"`
	RefreshToken  *string      `json:"refresh_token"`
	Application   *int64       `json:"application"`
	Expires       Time         `json:"expires"`
	Scope         string       `json:"scope"`
}

// TokenRelated holds a token's related links.
type TokenRelated struct {
	User           string `json:"user"`
	Application    string `json:"application,omitempty"`
	ActivityStream string `json:"activity_stream"`
}

// TokenSummary holds a token's summary_fields.
type TokenSummary struct {
	User        *UserSummary        `json:"user,omitempty"`
	Application *ApplicationSummary `json:"application,omitempty"`
}

// IsPersonal reports whether t is a personal access token (no application).
func (t *Token) IsPersonal() bool { return t.Application == nil }

// TokenCreateRequest is the body of a token create. Keys are in the order
// AWX.psm sends them: description (only when given), scope, application.
type TokenCreateRequest struct {
	Description *string `json:"description,omitempty"`
	Scope       string  `json:"scope,omitempty"`
	Application *int64  `json:"application,omitempty"`
}

// TokenUpdateRequest is the body of a token PATCH: only the fields given.
type TokenUpdateRequest struct {
	Description *string `json:"description,omitempty"`
	Scope       *string `json:"scope,omitempty"`
}

// Application is an OAuth2 application (AWX's OAuth2Application).
// ClientSecret is in clear only in the create response of a confidential
// application, censored afterwards, and absent for public ones.
type Application struct {
	ID                     int64                    `json:"id"`
	Type                   string                   `json:"type"`
	URL                    string                   `json:"url"`
	Related                ApplicationRelated       `json:"related"`
	SummaryFields          ApplicationSummaryFields `json:"summary_fields"`
	Created                Time                     `json:"created"`
	Modified               Time                     `json:"modified"`
	Name                   string                   `json:"name"`
	Description            string                   `json:"description"`
	ClientID               string                   `json:"client_id"`
	ClientSecret           string                   `json:"client_secret,omitempty"`
	ClientType             string                   `json:"client_type"`
	RedirectURIs           string                   `json:"redirect_uris"`
	AuthorizationGrantType string                   `json:"authorization_grant_type"`
	SkipAuthorization      bool                     `json:"skip_authorization"`
	Organization           int64                    `json:"organization"`
}

// ApplicationRelated holds an application's related links; named_url only
// on detail and create responses.
type ApplicationRelated struct {
	NamedURL       string `json:"named_url,omitempty"`
	Tokens         string `json:"tokens"`
	ActivityStream string `json:"activity_stream"`
	Organization   string `json:"organization"`
}

// ApplicationSummaryFields holds an application's summary_fields.
type ApplicationSummaryFields struct {
	Organization     *OrganizationSummary `json:"organization,omitempty"`
	UserCapabilities *UserCapabilities    `json:"user_capabilities,omitempty"`
	Tokens           *TokenBriefs         `json:"tokens,omitempty"`
}

// TokenBriefs is the count and first ten tokens of an application.
type TokenBriefs struct {
	Count   int          `json:"count"`
	Results []TokenBrief `json:"results"`
}

// TokenBrief is one token in an application's summary (token always censored).
type TokenBrief struct {
	ID    int64  `json:"id"`
	Token string `json:"token"`
	Scope string `json:"scope"`
}

// Client types and grant types AWX accepts for applications.
const (
	ClientConfidential     = "confidential"
	ClientPublic           = "public"
	GrantAuthorizationCode = "authorization-code"
	GrantPassword          = "password"
)

// ApplicationRequest is the body of an application create or update.
// Pointer fields are sent only when set, so a PATCH changes only what is given.
type ApplicationRequest struct {
	Name                   *string `json:"name,omitempty"`
	Description            *string `json:"description,omitempty"`
	ClientType             *string `json:"client_type,omitempty"`
	AuthorizationGrantType *string `json:"authorization_grant_type,omitempty"`
	RedirectURIs           *string `json:"redirect_uris,omitempty"`
	SkipAuthorization      *bool   `json:"skip_authorization,omitempty"`
	Organization           *int64  `json:"organization,omitempty"`
}

// User is an AWX user. Password is always "$encrypted$" in responses.
type User struct {
	ID              int64        `json:"id"`
	Type            string       `json:"type"`
	URL             string       `json:"url"`
	Related         UserRelated  `json:"related"`
	SummaryFields   UserSummaryF `json:"summary_fields"`
	Created         Time         `json:"created"`
	Modified        *Time        `json:"modified"`
	Username        string       `json:"username"`
	FirstName       string       `json:"first_name"`
	LastName        string       `json:"last_name"`
	Email           string       `json:"email"`
	IsSuperuser     bool         `json:"is_superuser"`
	IsSystemAuditor bool         `json:"is_system_auditor"`
	Password        string       `json:"password"`
	LdapDN          string       `json:"ldap_dn"`
	LastLogin       *Time        `json:"last_login"`
	ExternalAccount *string      `json:"external_account"`
}

// UserRelated holds a user's related links.
type UserRelated struct {
	Organizations        string `json:"organizations"`
	AdminOfOrganizations string `json:"admin_of_organizations"`
	Roles                string `json:"roles"`
	ActivityStream       string `json:"activity_stream"`
	Tokens               string `json:"tokens"`
	AuthorizedTokens     string `json:"authorized_tokens"`
	PersonalTokens       string `json:"personal_tokens"`
	Applications         string `json:"applications"`
}

// UserSummaryF holds a user's summary_fields.
type UserSummaryF struct {
	UserCapabilities *UserCapabilities `json:"user_capabilities,omitempty"`
}

// UserRequest is the body of a user create or update.
type UserRequest struct {
	Username        *string `json:"username,omitempty"`
	Password        *string `json:"password,omitempty"`
	FirstName       *string `json:"first_name,omitempty"`
	LastName        *string `json:"last_name,omitempty"`
	Email           *string `json:"email,omitempty"`
	IsSuperuser     *bool   `json:"is_superuser,omitempty"`
	IsSystemAuditor *bool   `json:"is_system_auditor,omitempty"`
}

// Organization is an AWX organization.
type Organization struct {
	ID                 int64                     `json:"id"`
	Type               string                    `json:"type"`
	URL                string                    `json:"url"`
	Related            OrganizationRelated       `json:"related"`
	SummaryFields      OrganizationSummaryFields `json:"summary_fields"`
	Created            Time                      `json:"created"`
	Modified           Time                      `json:"modified"`
	Name               string                    `json:"name"`
	Description        string                    `json:"description"`
	MaxHosts           int64                     `json:"max_hosts"`
	CustomVirtualenv   *string                   `json:"custom_virtualenv"`
	DefaultEnvironment *int64                    `json:"default_environment"`
}

// OrganizationRelated holds an organization's related links.
type OrganizationRelated struct {
	NamedURL       string `json:"named_url,omitempty"`
	Users          string `json:"users"`
	Admins         string `json:"admins"`
	Applications   string `json:"applications"`
	ObjectRoles    string `json:"object_roles"`
	AccessList     string `json:"access_list"`
	ActivityStream string `json:"activity_stream"`
}

// OrganizationSummaryFields holds an organization's summary_fields.
type OrganizationSummaryFields struct {
	ObjectRoles       map[string]RoleSummary `json:"object_roles"`
	UserCapabilities  *UserCapabilities      `json:"user_capabilities,omitempty"`
	RelatedFieldCount map[string]int         `json:"related_field_counts,omitempty"`
}

// RoleSummary is a role inside an object's summary_fields.object_roles.
type RoleSummary struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// OrganizationRequest is the body of an organization create or update.
type OrganizationRequest struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
	MaxHosts    *int64  `json:"max_hosts,omitempty"`
}

// Role is one of an organization's roles (admin, member, auditor).
type Role struct {
	ID            int64             `json:"id"`
	Type          string            `json:"type"`
	URL           string            `json:"url"`
	Related       RoleRelated       `json:"related"`
	SummaryFields RoleSummaryFields `json:"summary_fields"`
	Name          string            `json:"name"`
	Description   string            `json:"description"`
}

// RoleRelated holds a role's related links.
type RoleRelated struct {
	Users        string `json:"users"`
	Teams        string `json:"teams"`
	Organization string `json:"organization,omitempty"`
}

// RoleSummaryFields names the resource a role belongs to.
type RoleSummaryFields struct {
	ResourceName            string `json:"resource_name"`
	ResourceType            string `json:"resource_type"`
	ResourceTypeDisplayName string `json:"resource_type_display_name"`
	ResourceID              int64  `json:"resource_id"`
}

// Association is the body that associates ({"id": N}) or, with
// Disassociate, removes a user from a role or organization.
type Association struct {
	ID           int64 `json:"id"`
	Disassociate bool  `json:"disassociate,omitempty"`
}

// ActivityStream is one entry of the activity stream. Changes never hold a secret.
type ActivityStream struct {
	ID            int64          `json:"id"`
	Type          string         `json:"type"`
	URL           string         `json:"url"`
	Related       map[string]any `json:"related"`
	SummaryFields map[string]any `json:"summary_fields"`
	Timestamp     Time           `json:"timestamp"`
	Operation     string         `json:"operation"`
	Changes       map[string]any `json:"changes"`
	Object1       string         `json:"object1"`
	Object2       string         `json:"object2"`
	ObjectAssoc   string         `json:"object_association"`
	ActionNode    string         `json:"action_node"`
	ObjectType    string         `json:"object_type"`
}

// OAuth2Token is the body of a successful /api/o/token/ grant.
type OAuth2Token struct {
	AccessToken  string `json:"access_token"`
	ExpiresIn    int64  `json:"expires_in"`
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope"`
	RefreshToken string `json:"refresh_token,omitempty"`
}
