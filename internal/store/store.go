// Package store owns persistence: the domain types, the Store interface every
// backend implements, and the domain errors. It knows nothing about HTTP.
// Backends live in subpackages (sqlite/, postgres/) and never import each other;
// storetest/ is the conformance suite both must pass.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Error codes, after wtf: the HTTP layer maps each to a status and an AWX body.
const (
	ENOTFOUND  = "not_found" // 404
	ECONFLICT  = "conflict"  // 400 with the message under "__all__" or a field
	EINVALID   = "invalid"   // 400 {"detail": Message}
	EFORBIDDEN = "forbidden" // 403 {"detail": Message}
	EINTERNAL  = "internal"  // 500, details logged, never shown
)

// Error is a domain error. Message is safe to show to the caller; it never
// holds a secret. Field, when set, is the request field the error belongs to
// (ECONFLICT on a unique column, for example).
type Error struct {
	Code    string
	Message string
	Field   string
}

func (e *Error) Error() string { return fmt.Sprintf("store: %s: %s", e.Code, e.Message) }

// Errorf returns a domain error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of a domain error in err's chain, or EINTERNAL.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EINTERNAL
}

// NotFound returns AWX's 404 message for a model ("OAuth2AccessToken",
// "OAuth2Application", "User", "Organization", "Role").
func NotFound(model string) *Error {
	return Errorf(ENOTFOUND, "No %s matches the given query.", model)
}

// Model names as AWX spells them in messages.
const (
	ModelToken        = "OAuth2AccessToken"
	ModelApplication  = "OAuth2Application"
	ModelUser         = "User"
	ModelOrganization = "Organization"
	ModelRole         = "Role"
	ModelActivity     = "ActivityStream"
)

// User is an account. PasswordHash is argon2id (ours) or pbkdf2_sha256 (imported
// from Django/AWX); empty means no password login.
type User struct {
	ID              int64
	Username        string
	PasswordHash    string
	FirstName       string
	LastName        string
	Email           string
	IsSuperuser     bool
	IsSystemAuditor bool
	IsActive        bool
	LastLogin       *time.Time
	Created         time.Time
	Modified        time.Time
}

// UserUpdate changes the non-nil fields of a user.
type UserUpdate struct {
	Username        *string
	PasswordHash    *string
	FirstName       *string
	LastName        *string
	Email           *string
	IsSuperuser     *bool
	IsSystemAuditor *bool
	IsActive        *bool
}

// Organization groups users and applications.
type Organization struct {
	ID          int64
	Name        string
	Description string
	MaxHosts    int64
	Created     time.Time
	Modified    time.Time
}

// OrganizationUpdate changes the non-nil fields of an organization.
type OrganizationUpdate struct {
	Name        *string
	Description *string
	MaxHosts    *int64
}

// RoleName is one of the three roles every organization has.
type RoleName string

const (
	RoleAdmin   RoleName = "admin"
	RoleMember  RoleName = "member"
	RoleAuditor RoleName = "auditor"
)

// Role is one organization role; its ID is what /api/v2/roles/{id}/ names.
// Every organization gets its three roles when it is created.
type Role struct {
	ID             int64
	OrganizationID int64
	Name           RoleName
}

// Membership is one role a user holds directly.
type Membership struct {
	OrganizationID int64
	Role           RoleName
	RoleID         int64
}

// Application is an OAuth2 application. The client secret is stored only as
// its SHA-256 digest.
type Application struct {
	ID                     int64
	Name                   string
	Description            string
	ClientID               string
	ClientSecretDigest     []byte // nil for public clients
	ClientType             string // confidential | public
	AuthorizationGrantType string // authorization-code | password
	RedirectURIs           string
	SkipAuthorization      bool
	OrganizationID         int64
	UserID                 *int64
	Created                time.Time
	Modified               time.Time
}

// ApplicationUpdate changes the non-nil fields of an application.
type ApplicationUpdate struct {
	Name              *string
	Description       *string
	ClientType        *string
	RedirectURIs      *string
	SkipAuthorization *bool
	OrganizationID    *int64
	// ClientSecretDigest, when non-nil, replaces the digest (a switch to
	// confidential needs a new secret; to public clears it with an empty slice).
	ClientSecretDigest []byte
}

// AccessToken is an OAuth2 access token. Only the SHA-256 digest of the token
// is stored; the clear value exists in memory at creation only.
type AccessToken struct {
	ID                   int64
	UserID               int64
	Digest               []byte
	ApplicationID        *int64 // nil: personal access token
	Expires              time.Time
	Scope                string
	Description          string
	LastUsed             *time.Time
	SourceRefreshTokenID *int64
	Created              time.Time
	Modified             time.Time
}

// TokenUpdate changes the non-nil fields of an access token.
type TokenUpdate struct {
	Description *string
	Scope       *string
}

// RefreshToken is an OAuth2 refresh token, stored as a digest.
type RefreshToken struct {
	ID            int64
	Digest        []byte
	UserID        int64
	ApplicationID int64
	AccessTokenID *int64
	Created       time.Time
	Updated       time.Time
	Revoked       *time.Time
}

// Activity is one activity stream entry. Changes is a JSON object that never
// holds a secret (the caller censors before writing).
type Activity struct {
	ID         int64
	Timestamp  time.Time
	ActorID    *int64
	Operation  string // create | update | delete | associate | disassociate
	ObjectType string // o_auth2_access_token, o_auth2_application, user, organization
	ObjectID   int64
	Object2    string
	Changes    []byte
}

// Query selects a page of a list. The HTTP layer parses AWX's query string
// into it; the store validates field names against the resource's fields and
// answers EINVALID ("OAuth2AccessToken has no field named 'foo'") for others.
type Query struct {
	Filters []Filter
	Search  string  // matched against description (tokens) or name/description
	OrderBy []Order // empty: the resource's default order
	Limit   int     // 0: no limit
	Offset  int
	// Restrict, when non-nil, limits the rows to those the viewer may see.
	// See Restriction for what it means per resource.
	Restrict *Restriction
}

// Filter is one AWX filter: field[__relation]*[__lookup]=value. Filters are
// ANDed; the ones with Or set form one OR group that is ANDed with the rest;
// Not negates a single filter (AWX's not__ prefix).
type Filter struct {
	Field  string // a path such as "user__username" or "application"
	Lookup string // exact, iexact, contains, icontains, startswith, istartswith,
	// endswith, iendswith, regex, iregex, gt, gte, lt, lte, in, isnull
	Value string // raw text; "in" takes comma-separated values; "null" with
	// exact on a nullable field means IS NULL, as AWX does
	Not bool
	Or  bool
}

// Order is one ordering key.
type Order struct {
	Field string
	Desc  bool
}

// Restriction limits a list to what a non-superuser may see:
//   - tokens: user_id = UserID, or the token's application is in OrgIDs
//   - applications: organization in OrgIDs
//   - users: id = UserID, or a member (any role) of an organization in OrgIDs
//   - organizations: id in OrgIDs
//   - activity: ActorID = UserID, or the entry's object is visible: a user
//     by the users rule, an organization by the organizations rule, an
//     application of AppOrgIDs, a token of UserID or of an application of
//     TokenOrgIDs
//
// The access package computes OrgIDs for the viewer and resource.
type Restriction struct {
	UserID int64
	OrgIDs []int64
	// Activity only: a viewer sees the applications of the organizations
	// they are a member of, but the tokens of those they administer or
	// audit, and both differ from OrgIDs (any role), so each has its own
	// list.
	AppOrgIDs   []int64
	TokenOrgIDs []int64
}

// Store is the whole persistence API. Every method is safe for concurrent
// use. Lookups of a missing row return ENOTFOUND with store.NotFound(model).
// A unique-constraint violation returns ECONFLICT with AWX's message.
type Store interface {
	// Users.
	CreateUser(ctx context.Context, u *User) error // sets ID, Created, Modified; ECONFLICT on a taken username
	// EnsureUser creates u unless a user with that username exists; safe when
	// several processes race. It reports whether it created.
	EnsureUser(ctx context.Context, u *User) (created bool, err error)
	UserByID(ctx context.Context, id int64) (*User, error)
	UserByUsername(ctx context.Context, username string) (*User, error)
	UpdateUser(ctx context.Context, id int64, upd UserUpdate) (*User, error)
	SetLastLogin(ctx context.Context, id int64, at time.Time) error
	DeleteUser(ctx context.Context, id int64) error // cascades to tokens and memberships
	ListUsers(ctx context.Context, q Query) ([]*User, int, error)

	// Organizations and their roles.
	CreateOrganization(ctx context.Context, o *Organization) error // also creates its three roles
	OrganizationByID(ctx context.Context, id int64) (*Organization, error)
	OrganizationByName(ctx context.Context, name string) (*Organization, error)
	UpdateOrganization(ctx context.Context, id int64, upd OrganizationUpdate) (*Organization, error)
	DeleteOrganization(ctx context.Context, id int64) error // cascades to roles, applications, their tokens
	ListOrganizations(ctx context.Context, q Query) ([]*Organization, int, error)
	OrganizationRoles(ctx context.Context, orgID int64) ([]Role, error) // admin, member, auditor
	RoleByID(ctx context.Context, id int64) (*Role, error)
	GrantRole(ctx context.Context, roleID, userID int64) error  // idempotent
	RevokeRole(ctx context.Context, roleID, userID int64) error // idempotent
	UserMemberships(ctx context.Context, userID int64) ([]Membership, error)
	// ListRoleUsers lists the users holding roleID directly.
	ListRoleUsers(ctx context.Context, roleID int64, q Query) ([]*User, int, error)

	// Applications.
	CreateApplication(ctx context.Context, a *Application) error // ECONFLICT on (name, organization)
	ApplicationByID(ctx context.Context, id int64) (*Application, error)
	ApplicationByClientID(ctx context.Context, clientID string) (*Application, error)
	ApplicationByName(ctx context.Context, orgID int64, name string) (*Application, error)
	UpdateApplication(ctx context.Context, id int64, upd ApplicationUpdate) (*Application, error)
	DeleteApplication(ctx context.Context, id int64) error // cascades to its tokens
	ListApplications(ctx context.Context, q Query) ([]*Application, int, error)

	// Access tokens. CreateAccessToken stores t and, when r is non-nil, its
	// refresh token (r.AccessTokenID is set to t.ID) in one transaction.
	CreateAccessToken(ctx context.Context, t *AccessToken, r *RefreshToken) error
	AccessTokenByID(ctx context.Context, id int64) (*AccessToken, error)
	// AccessTokenByDigest is one indexed lookup of a token by its digest.
	AccessTokenByDigest(ctx context.Context, digest []byte) (*AccessToken, error)
	// AccessTokenWithUser is the authentication hot path when the server's
	// token cache misses: the token and its owner in one query.
	// ENOTFOUND (ModelToken) when no token has the digest.
	AccessTokenWithUser(ctx context.Context, digest []byte) (*AccessToken, *User, error)
	UpdateAccessToken(ctx context.Context, id int64, upd TokenUpdate) (*AccessToken, error)
	// DeleteAccessToken deletes the token and revokes its refresh token.
	DeleteAccessToken(ctx context.Context, id int64) error
	ListAccessTokens(ctx context.Context, q Query) ([]*AccessToken, int, error)
	// TouchAccessTokens records last_used for many tokens in one write.
	TouchAccessTokens(ctx context.Context, lastUsed map[int64]time.Time) error

	// Refresh tokens.
	RefreshTokenByDigest(ctx context.Context, digest []byte) (*RefreshToken, error)
	RefreshTokenByAccessToken(ctx context.Context, accessTokenID int64) (*RefreshToken, error)
	// RotateRefreshToken, in one transaction: marks old revoked at now,
	// deletes its access token, stores t and r (linked). It fails with
	// ECONFLICT if old was already revoked, so a refresh token is used once.
	RotateRefreshToken(ctx context.Context, oldID int64, t *AccessToken, r *RefreshToken) error
	// RevokeRefreshToken marks it revoked and deletes its access token.
	RevokeRefreshToken(ctx context.Context, id int64) error

	// Maintenance (awxtoken admin, periodic cleanup).
	DeleteExpiredTokens(ctx context.Context, now time.Time, refreshMaxAge time.Duration) (access, refresh int, err error)
	DeleteUserTokens(ctx context.Context, userID *int64, revokeRefresh bool) (int, error)

	// Activity stream.
	AddActivity(ctx context.Context, a *Activity) error
	ListActivity(ctx context.Context, q Query) ([]*Activity, int, error)

	// Close releases the database.
	Close() error
}
