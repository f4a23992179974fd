// Package awximport copies the OAuth2 world of an AWX installation into an
// awxtoken store (SQLite or PostgreSQL): users (keeping their Django
// password hashes, so passwords keep working), organizations with their
// admins, members and auditors, OAuth2 applications, and access tokens with
// their refresh tokens. AWX keeps tokens in clear; only their SHA-256
// digests are stored here, so the imported tokens authenticate unchanged
// while the copy holds no usable secret. It is what `awxtoken admin
// import-awx` runs.
//
// It reads AWX's own tables (auth_user, main_organization, main_rbac_roles,
// main_rbac_roles_members, django_content_type, main_oauth2application,
// main_oauth2accesstoken, oauth2_provider_refreshtoken) in one read-only
// snapshot and writes through store.Store only. Re-running it is safe: rows
// whose natural key exists (username; organization name; application name
// within its organization; token digest) are skipped and counted.
package awximport

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/awxtoken/awxtoken/internal/secret"
	"github.com/awxtoken/awxtoken/internal/store"
)

// Querier is what Import reads AWX through: a *pgx.Conn, a *pgxpool.Pool or
// a pgx.Tx.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Options tune an import.
type Options struct {
	// SecretKey is AWX's SECRET_KEY (the contents of /etc/tower/SECRET_KEY).
	// AWX stores application client secrets encrypted with a key derived
	// from it; with it the secrets are decrypted and only their digests
	// stored, so confidential clients keep their secrets. Without it such
	// an application is imported with a secret nobody knows, and the
	// report says to reset it.
	SecretKey string
	// Now is the clock deciding which tokens are expired (not imported);
	// nil: time.Now.
	Now func() time.Time
}

// Counts says what happened to one kind of row.
type Counts struct {
	Created int // imported
	Skipped int // already there (same natural key), left unchanged
}

// Report is the outcome of an import. It names rows by id and name only,
// never a secret.
type Report struct {
	Users         Counts
	Organizations Counts
	RoleGrants    int // organization role assignments applied (granting is idempotent)
	Applications  Counts
	Tokens        Counts
	RefreshTokens Counts
	// ExpiredTokens were not imported: they could not authenticate.
	ExpiredTokens int
	// Warnings list rows imported with a loss, or not imported, and why.
	Warnings []string
}

func (r *Report) warnf(format string, args ...any) {
	r.Warnings = append(r.Warnings, fmt.Sprintf(format, args...))
}

// ImportDSN connects to the AWX database dsn names and imports it in one
// REPEATABLE READ read-only transaction, so the copy is one consistent
// snapshot even while AWX runs.
func ImportDSN(ctx context.Context, dsn string, to store.Store, opts Options) (Report, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return Report{}, fmt.Errorf("awximport: connecting to the AWX database: %s", redact(err, dsn))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return Report{}, fmt.Errorf("awximport: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	return Import(ctx, tx, to, opts)
}

func redact(err error, dsn string) string {
	msg := strings.ReplaceAll(err.Error(), dsn, "<dsn>")
	if cfg, perr := pgx.ParseConfig(dsn); perr == nil && cfg.Password != "" {
		msg = strings.ReplaceAll(msg, cfg.Password, "xxxxx")
	}
	return msg
}

// Import copies AWX's users, organizations, roles, applications and tokens
// read through from into to. It stops at the first error reading AWX or
// writing the store; what was written stays, and a re-run continues.
func Import(ctx context.Context, from Querier, to store.Store, opts Options) (Report, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	im := &importer{from: from, to: to, opts: opts, users: map[int64]int64{}, orgs: map[int64]int64{}, apps: map[int64]int64{}}
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"users", im.importUsers},
		{"organizations", im.importOrganizations},
		{"organization roles", im.importRoles},
		{"applications", im.importApplications},
		{"tokens", im.importTokens},
	}
	for _, s := range steps {
		if err := s.fn(ctx); err != nil {
			return im.report, fmt.Errorf("awximport: %s: %w", s.name, err)
		}
	}
	return im.report, nil
}

type importer struct {
	from   Querier
	to     store.Store
	opts   Options
	report Report
	// AWX ids to store ids.
	users, orgs, apps map[int64]int64
}

// collect runs q and scans every row with scan.
func collect(ctx context.Context, from Querier, q string, scan func(pgx.Rows) error) error {
	rows, err := from.Query(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

type awxUser struct {
	id                 int64
	username, password string
	first, last, email string
	superuser, active  bool
	lastLogin          *time.Time
}

func (im *importer) importUsers(ctx context.Context) error {
	var users []awxUser
	err := collect(ctx, im.from, `SELECT id, username, password, first_name, last_name, email, is_superuser,
		is_active, last_login FROM auth_user ORDER BY id`, func(r pgx.Rows) error {
		var u awxUser
		if err := r.Scan(&u.id, &u.username, &u.password, &u.first, &u.last, &u.email, &u.superuser, &u.active, &u.lastLogin); err != nil {
			return err
		}
		users = append(users, u)
		return nil
	})
	if err != nil {
		return err
	}
	// AWX's system auditors hold its singleton role "system_auditor".
	auditors := map[int64]bool{}
	err = collect(ctx, im.from, `SELECT m.user_id FROM main_rbac_roles r
		JOIN main_rbac_roles_members m ON m.role_id = r.id WHERE r.singleton_name = 'system_auditor'`, func(r pgx.Rows) error {
		var id int64
		if err := r.Scan(&id); err != nil {
			return err
		}
		auditors[id] = true
		return nil
	})
	if err != nil {
		return err
	}
	for _, a := range users {
		hash := a.password
		switch {
		case hash == "" || strings.HasPrefix(hash, "!"):
			// Django's unusable password: the user logs in some other way
			// (LDAP, SAML...), which awxtoken does not offer.
			hash = ""
		case !strings.HasPrefix(hash, "pbkdf2_sha256$") && !strings.HasPrefix(hash, "argon2$argon2id$"):
			scheme, _, _ := strings.Cut(hash, "$")
			im.report.warnf("user %q: password hash scheme %q is not supported; the user must be given a new password", a.username, scheme)
		}
		u := &store.User{Username: a.username, PasswordHash: hash, FirstName: a.first, LastName: a.last, Email: a.email,
			IsSuperuser: a.superuser, IsSystemAuditor: auditors[a.id], IsActive: a.active, LastLogin: a.lastLogin}
		created, err := im.to.EnsureUser(ctx, u)
		if err != nil {
			return fmt.Errorf("user %q: %w", a.username, err)
		}
		if !created {
			im.report.Users.Skipped++
			if u, err = im.to.UserByUsername(ctx, a.username); err != nil {
				return fmt.Errorf("user %q: %w", a.username, err)
			}
		} else {
			im.report.Users.Created++
		}
		im.users[a.id] = u.ID
	}
	return nil
}

func (im *importer) importOrganizations(ctx context.Context) error {
	type awxOrg struct {
		id                int64
		name, description string
		maxHosts          int64
	}
	var orgs []awxOrg
	err := collect(ctx, im.from, `SELECT id, name, description, max_hosts FROM main_organization ORDER BY id`, func(r pgx.Rows) error {
		var o awxOrg
		if err := r.Scan(&o.id, &o.name, &o.description, &o.maxHosts); err != nil {
			return err
		}
		orgs = append(orgs, o)
		return nil
	})
	if err != nil {
		return err
	}
	for _, a := range orgs {
		o := &store.Organization{Name: a.name, Description: a.description, MaxHosts: a.maxHosts}
		err := im.to.CreateOrganization(ctx, o)
		if store.ErrorCode(err) == store.ECONFLICT {
			im.report.Organizations.Skipped++
			o, err = im.to.OrganizationByName(ctx, a.name)
		} else if err == nil {
			im.report.Organizations.Created++
		}
		if err != nil {
			return fmt.Errorf("organization %q: %w", a.name, err)
		}
		im.orgs[a.id] = o.ID
	}
	return nil
}

// importRoles grants the organization roles users hold directly in AWX.
// AWX's roles are rows of main_rbac_roles naming their object by content
// type and id and their kind by role_field.
func (im *importer) importRoles(ctx context.Context) error {
	type grant struct {
		org, user int64
		field     string
	}
	var grants []grant
	err := collect(ctx, im.from, `SELECT r.object_id, r.role_field, m.user_id FROM main_rbac_roles r
		JOIN django_content_type ct ON ct.id = r.content_type_id
		JOIN main_rbac_roles_members m ON m.role_id = r.id
		WHERE ct.app_label = 'main' AND ct.model = 'organization'
			AND r.role_field IN ('admin_role', 'member_role', 'auditor_role')
		ORDER BY r.object_id, r.id, m.user_id`, func(r pgx.Rows) error {
		var g grant
		if err := r.Scan(&g.org, &g.field, &g.user); err != nil {
			return err
		}
		grants = append(grants, g)
		return nil
	})
	if err != nil {
		return err
	}
	roleIDs := map[int64]map[store.RoleName]int64{}
	for _, g := range grants {
		org, okOrg := im.orgs[g.org]
		user, okUser := im.users[g.user]
		if !okOrg || !okUser {
			continue // a dangling role row in AWX
		}
		if roleIDs[org] == nil {
			roles, err := im.to.OrganizationRoles(ctx, org)
			if err != nil {
				return err
			}
			roleIDs[org] = map[store.RoleName]int64{}
			for _, r := range roles {
				roleIDs[org][r.Name] = r.ID
			}
		}
		name := store.RoleName(strings.TrimSuffix(g.field, "_role"))
		if err := im.to.GrantRole(ctx, roleIDs[org][name], user); err != nil {
			return fmt.Errorf("granting %s of organization %d to user %d: %w", name, org, user, err)
		}
		im.report.RoleGrants++
	}
	return nil
}

func (im *importer) importApplications(ctx context.Context) error {
	type awxApp struct {
		id                                  int64
		name, description, clientID, secret string
		clientType, grantType, redirectURIs string
		skip                                bool
		org, user                           *int64
	}
	var apps []awxApp
	err := collect(ctx, im.from, `SELECT id, name, description, client_id, client_secret, client_type,
		authorization_grant_type, redirect_uris, skip_authorization, organization_id, user_id
		FROM main_oauth2application ORDER BY id`, func(r pgx.Rows) error {
		var a awxApp
		if err := r.Scan(&a.id, &a.name, &a.description, &a.clientID, &a.secret, &a.clientType, &a.grantType,
			&a.redirectURIs, &a.skip, &a.org, &a.user); err != nil {
			return err
		}
		apps = append(apps, a)
		return nil
	})
	if err != nil {
		return err
	}
	for _, a := range apps {
		if a.org == nil || im.orgs[*a.org] == 0 {
			im.report.warnf("application %q (id %d): no organization; not imported, nor its tokens", a.name, a.id)
			continue
		}
		org := im.orgs[*a.org]
		if existing, err := im.to.ApplicationByName(ctx, org, a.name); err == nil {
			im.report.Applications.Skipped++
			im.apps[a.id] = existing.ID
			continue
		} else if store.ErrorCode(err) != store.ENOTFOUND {
			return fmt.Errorf("application %q: %w", a.name, err)
		}
		app := &store.Application{Name: a.name, Description: a.description, ClientID: a.clientID,
			ClientType: a.clientType, AuthorizationGrantType: a.grantType, RedirectURIs: a.redirectURIs,
			SkipAuthorization: a.skip, OrganizationID: org}
		if a.user != nil {
			if u, ok := im.users[*a.user]; ok {
				app.UserID = &u
			}
		}
		if a.clientType == "confidential" {
			app.ClientSecretDigest = im.secretDigest(a.name, a.secret)
		}
		err := im.to.CreateApplication(ctx, app)
		if store.ErrorCode(err) == store.ECONFLICT {
			im.report.warnf("application %q (id %d): its client id is taken by another application; not imported, nor its tokens", a.name, a.id)
			continue
		}
		if err != nil {
			return fmt.Errorf("application %q: %w", a.name, err)
		}
		im.report.Applications.Created++
		im.apps[a.id] = app.ID
	}
	return nil
}

// secretDigest returns the digest of an application's client secret as
// AWX stores it: in clear (older versions), encrypted with SECRET_KEY
// (AWX's OAuth2ClientSecretField), or hashed (django-oauth-toolkit 2's
// hash_client_secret, which cannot be undone). When the clear secret
// cannot be had, the digest of a fresh random secret nobody knows takes
// its place: the client is locked out until an admin resets its secret,
// rather than let in without one.
func (im *importer) secretDigest(name, stored string) []byte {
	switch {
	case strings.HasPrefix(stored, "$encrypted$"):
		if im.opts.SecretKey == "" {
			im.report.warnf("application %q: its client secret is encrypted with AWX's SECRET_KEY, which was not given; reset the secret", name)
			break
		}
		clear, err := decryptAWX(strings.TrimSpace(im.opts.SecretKey), stored)
		if err != nil {
			im.report.warnf("application %q: its client secret could not be decrypted (%v); reset the secret", name, err)
			break
		}
		return secret.Digest(clear)
	case strings.HasPrefix(stored, "pbkdf2_") || strings.HasPrefix(stored, "argon2$") || strings.HasPrefix(stored, "bcrypt"):
		im.report.warnf("application %q: its client secret is stored hashed by AWX and cannot be recovered; reset the secret", name)
	case stored == "":
		im.report.warnf("application %q: confidential without a client secret; reset the secret", name)
	default:
		return secret.Digest(stored)
	}
	var b [32]byte
	rand.Read(b[:])
	return secret.Digest(fmt.Sprintf("%x", b))
}

func (im *importer) importTokens(ctx context.Context) error {
	type awxToken struct {
		id                 int64
		token              string
		user, app          *int64
		expires            time.Time
		scope, description string
		lastUsed           *time.Time
		refresh            *string
	}
	var toks []awxToken
	err := collect(ctx, im.from, `SELECT t.id, t.token, t.user_id, t.application_id, t.expires, t.scope,
		t.description, t.last_used,
		(SELECT r.token FROM oauth2_provider_refreshtoken r
			WHERE r.access_token_id = t.id AND r.revoked IS NULL ORDER BY r.id DESC LIMIT 1)
		FROM main_oauth2accesstoken t ORDER BY t.id`, func(r pgx.Rows) error {
		var t awxToken
		if err := r.Scan(&t.id, &t.token, &t.user, &t.app, &t.expires, &t.scope, &t.description, &t.lastUsed, &t.refresh); err != nil {
			return err
		}
		toks = append(toks, t)
		return nil
	})
	if err != nil {
		return err
	}
	now := im.opts.Now()
	lastUsed := map[int64]time.Time{}
	for _, a := range toks {
		if !a.expires.After(now) {
			im.report.ExpiredTokens++
			continue
		}
		if a.user == nil || im.users[*a.user] == 0 {
			im.report.warnf("token id %d: no user; not imported", a.id)
			continue
		}
		digest := secret.Digest(a.token)
		if _, err := im.to.AccessTokenByDigest(ctx, digest); err == nil {
			im.report.Tokens.Skipped++
			if a.refresh != nil {
				im.report.RefreshTokens.Skipped++
			}
			continue
		} else if store.ErrorCode(err) != store.ENOTFOUND {
			return fmt.Errorf("token id %d: %w", a.id, err)
		}
		t := &store.AccessToken{UserID: im.users[*a.user], Digest: digest, Expires: a.expires, Scope: a.scope, Description: a.description}
		var r *store.RefreshToken
		if a.app != nil {
			app, ok := im.apps[*a.app]
			if !ok {
				im.report.warnf("token id %d: its application was not imported; not imported", a.id)
				continue
			}
			t.ApplicationID = &app
			if a.refresh != nil {
				r = &store.RefreshToken{Digest: secret.Digest(*a.refresh)}
			}
		}
		if err := im.to.CreateAccessToken(ctx, t, r); err != nil {
			if store.ErrorCode(err) == store.ECONFLICT {
				im.report.warnf("token id %d: its refresh token exists already; not imported", a.id)
				continue
			}
			return fmt.Errorf("token id %d: %w", a.id, err)
		}
		im.report.Tokens.Created++
		if r != nil {
			im.report.RefreshTokens.Created++
		}
		if a.lastUsed != nil {
			lastUsed[t.ID] = *a.lastUsed
		}
	}
	if err := im.to.TouchAccessTokens(ctx, lastUsed); err != nil {
		return fmt.Errorf("recording last_used: %w", err)
	}
	return nil
}
