package awximport

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/awxtoken/awxtoken/internal/secret"
	"github.com/awxtoken/awxtoken/internal/store"
	"github.com/awxtoken/awxtoken/internal/store/pgtest"
	"github.com/awxtoken/awxtoken/internal/store/postgres"
	"github.com/awxtoken/awxtoken/internal/store/sqlite"
)

var ctx = context.Background()

// awxSchema is the part of AWX's database the import reads, with AWX's
// table and column names and types (Django's migrations, AWX 24.x), plus a
// few columns the import ignores, so the test is not shaped by the code.
const awxSchema = `
CREATE TABLE auth_user (
	id serial PRIMARY KEY, password varchar(128) NOT NULL, last_login timestamptz,
	is_superuser boolean NOT NULL, username varchar(150) NOT NULL UNIQUE,
	first_name varchar(150) NOT NULL, last_name varchar(150) NOT NULL, email varchar(254) NOT NULL,
	is_staff boolean NOT NULL, is_active boolean NOT NULL, date_joined timestamptz NOT NULL);
CREATE TABLE django_content_type (
	id serial PRIMARY KEY, app_label varchar(100) NOT NULL, model varchar(100) NOT NULL, UNIQUE (app_label, model));
CREATE TABLE main_rbac_roles (
	id serial PRIMARY KEY, role_field text NOT NULL, singleton_name text UNIQUE, implicit_parents text NOT NULL,
	content_type_id integer REFERENCES django_content_type, object_id integer);
CREATE TABLE main_rbac_roles_members (
	id serial PRIMARY KEY, role_id integer NOT NULL REFERENCES main_rbac_roles,
	user_id integer NOT NULL REFERENCES auth_user, UNIQUE (role_id, user_id));
CREATE TABLE main_organization (
	id serial PRIMARY KEY, created timestamptz NOT NULL, modified timestamptz NOT NULL, description text NOT NULL,
	name varchar(512) NOT NULL UNIQUE, created_by_id integer, modified_by_id integer,
	admin_role_id integer, auditor_role_id integer, member_role_id integer, read_role_id integer,
	max_hosts integer NOT NULL);
CREATE TABLE main_oauth2application (
	id bigserial PRIMARY KEY, client_id varchar(100) NOT NULL UNIQUE, redirect_uris text NOT NULL,
	client_type varchar(32) NOT NULL, authorization_grant_type varchar(32) NOT NULL,
	client_secret varchar(1024) NOT NULL, name varchar(255) NOT NULL, skip_authorization boolean NOT NULL,
	created timestamptz NOT NULL, updated timestamptz NOT NULL, description text NOT NULL, logo_data text NOT NULL,
	user_id integer REFERENCES auth_user, organization_id integer REFERENCES main_organization,
	algorithm varchar(5) NOT NULL DEFAULT '', UNIQUE (name, organization_id));
CREATE TABLE main_oauth2accesstoken (
	id bigserial PRIMARY KEY, token varchar(255) NOT NULL UNIQUE, expires timestamptz NOT NULL, scope text NOT NULL,
	created timestamptz NOT NULL, updated timestamptz NOT NULL, description text NOT NULL, last_used timestamptz,
	application_id bigint REFERENCES main_oauth2application, user_id integer REFERENCES auth_user,
	source_refresh_token_id bigint UNIQUE, id_token_id bigint UNIQUE, modified timestamptz NOT NULL);
CREATE TABLE oauth2_provider_refreshtoken (
	id bigserial PRIMARY KEY, token varchar(255) NOT NULL, access_token_id bigint UNIQUE REFERENCES main_oauth2accesstoken,
	application_id bigint NOT NULL REFERENCES main_oauth2application, user_id integer NOT NULL REFERENCES auth_user,
	created timestamptz NOT NULL, updated timestamptz NOT NULL, revoked timestamptz, UNIQUE (token, revoked));
`

const awxSecretKey = "made-up-awx-secret-key-for-tests-0123456789"

// fixture is the made-up AWX installation.
type fixture struct {
	passwords    map[string]string // username -> clear password
	clearSecret  string            // the confidential app stored in clear
	encSecret    string            // the confidential app stored encrypted
	liveToken    string            // alice's PAT
	appToken     string            // bob's token of app "ci", with a refresh token
	refreshToken string
	expiredToken string
	lastUsed     time.Time
}

func exec(t *testing.T, conn *pgx.Conn, sql string, args ...any) {
	t.Helper()
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", strings.Fields(sql)[0:3], err)
	}
}

// newAWX creates AWX's tables in a fresh database and fills them.
func newAWX(t *testing.T) (string, *fixture) {
	dsn := pgtest.NewDatabase(t)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	exec(t, conn, awxSchema)
	f := &fixture{
		passwords:    map[string]string{"admin": "admin-pass", "alice": "alice pass é", "bob": "b0b"},
		clearSecret:  secret.NewClientSecret(),
		encSecret:    secret.NewClientSecret(),
		liveToken:    secret.NewToken(),
		appToken:     secret.NewToken(),
		refreshToken: secret.NewToken(),
		expiredToken: secret.NewToken(),
		lastUsed:     time.Date(2025, 3, 4, 5, 6, 7, 891011000, time.UTC),
	}
	now := time.Now()
	for i, name := range []string{"admin", "alice", "bob"} {
		hash, err := secret.DjangoPBKDF2(f.passwords[name], "salt"+name, 1000)
		if err != nil {
			t.Fatal(err)
		}
		exec(t, conn, `INSERT INTO auth_user (id, password, last_login, is_superuser, username, first_name, last_name,
			email, is_staff, is_active, date_joined) VALUES ($1, $2, $3, $4, $5, $6, 'L', $7, false, true, $8)`,
			i+1, hash, now.Add(-time.Hour), name == "admin", name, strings.ToUpper(name[:1])+name[1:], name+"@example.com", now)
	}
	// An LDAP user: Django's unusable password.
	exec(t, conn, `INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email,
		is_staff, is_active, date_joined) VALUES (4, '!unusable', false, 'ldapuser', '', '', '', false, false, now())`)

	exec(t, conn, `INSERT INTO django_content_type (id, app_label, model) VALUES (1, 'main', 'organization'), (2, 'main', 'team')`)
	exec(t, conn, `INSERT INTO main_organization (id, created, modified, description, name, max_hosts, admin_role_id, member_role_id, auditor_role_id)
		VALUES (10, now(), now(), 'the default', 'Default', 0, 101, 102, 103), (20, now(), now(), '', 'Eng', 5, 201, 202, 203)`)
	exec(t, conn, `INSERT INTO main_rbac_roles (id, role_field, implicit_parents, content_type_id, object_id, singleton_name) VALUES
		(1, 'system_auditor', '[]', NULL, NULL, 'system_auditor'),
		(101, 'admin_role', '[]', 1, 10, NULL), (102, 'member_role', '[]', 1, 10, NULL), (103, 'auditor_role', '[]', 1, 10, NULL),
		(201, 'admin_role', '[]', 1, 20, NULL), (202, 'member_role', '[]', 1, 20, NULL), (203, 'auditor_role', '[]', 1, 20, NULL),
		(204, 'read_role', '[]', 1, 20, NULL),
		(301, 'member_role', '[]', 2, 10, NULL)`)
	// alice: admin and member of Default; bob: member of Eng, auditor of
	// Default, system auditor; a read_role and a team role are ignored.
	exec(t, conn, `INSERT INTO main_rbac_roles_members (role_id, user_id) VALUES
		(101, 2), (102, 2), (202, 3), (103, 3), (1, 3), (204, 2), (301, 3)`)

	enc := encryptAWX(t, awxSecretKey, f.encSecret)
	exec(t, conn, `INSERT INTO main_oauth2application (id, client_id, redirect_uris, client_type, authorization_grant_type,
		client_secret, name, skip_authorization, created, updated, description, logo_data, user_id, organization_id) VALUES
		(1, 'clientci', '', 'confidential', 'password', $1, 'ci', false, now(), now(), 'CI', '', 2, 10),
		(2, 'clientweb', 'https://example.com/cb', 'confidential', 'authorization-code', $2, 'web', true, now(), now(), '', '', NULL, 20),
		(3, 'clientpub', '', 'public', 'password', '', 'cli', false, now(), now(), '', '', NULL, 20),
		(4, 'clientorphan', '', 'public', 'password', '', 'orphan', false, now(), now(), '', '', NULL, NULL)`, f.clearSecret, enc)
	exec(t, conn, `INSERT INTO main_oauth2accesstoken (id, token, expires, scope, created, updated, description, last_used,
		application_id, user_id, modified) VALUES
		(1, $1, $4, 'write', now(), now(), 'alice PAT', $5, NULL, 2, now()),
		(2, $2, $4, 'read', now(), now(), 'bob ci', NULL, 1, 3, now()),
		(3, $3, now() - interval '1 day', 'write', now(), now(), 'expired', NULL, NULL, 2, now())`,
		f.liveToken, f.appToken, f.expiredToken, now.Add(24*time.Hour), f.lastUsed)
	exec(t, conn, `INSERT INTO oauth2_provider_refreshtoken (token, access_token_id, application_id, user_id, created, updated, revoked)
		VALUES ($1, 2, 1, 3, now(), now(), NULL), ('old-revoked-refresh', NULL, 1, 3, now(), now(), now())`, f.refreshToken)
	return dsn, f
}

// encryptAWX is AWX's encrypt_value, written independently of decryptAWX
// from AWX's description: Fernet with AES-256-CBC, key SHA-512(SECRET_KEY
// + "value"), the token base64-encoded once more.
func encryptAWX(t *testing.T, secretKey, value string) string {
	key := sha512.Sum512([]byte(secretKey + "value"))
	iv := make([]byte, 16)
	rand.Read(iv)
	pad := aes.BlockSize - len(value)%aes.BlockSize
	pt := append([]byte(value), []byte(strings.Repeat(string(rune(pad)), pad))...)
	block, err := aes.NewCipher(key[32:])
	if err != nil {
		t.Fatal(err)
	}
	ct := make([]byte, len(pt))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, pt)
	tok := []byte{0x80}
	tok = binary.BigEndian.AppendUint64(tok, uint64(time.Now().Unix()))
	tok = append(append(tok, iv...), ct...)
	h := hmac.New(sha256.New, key[:32])
	h.Write(tok)
	tok = h.Sum(tok)
	return "$encrypted$UTF8$AESCBC$" + base64.StdEncoding.EncodeToString([]byte(base64.URLEncoding.EncodeToString(tok)))
}

func TestImport(t *testing.T) {
	awx, f := newAWX(t)
	targets := map[string]func(t *testing.T) store.Store{
		"SQLite": func(t *testing.T) store.Store {
			db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "awxtoken.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
		"PostgreSQL": func(t *testing.T) store.Store {
			db, err := postgres.Open(ctx, pgtest.NewDatabase(t), postgres.Options{MaxConns: 4})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
	}
	for name, open := range targets {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			rep, err := ImportDSN(ctx, awx, st, Options{SecretKey: awxSecretKey + "\n"})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("report: %+v", rep)
			want := Report{
				Users: Counts{Created: 4}, Organizations: Counts{Created: 2}, RoleGrants: 4,
				Applications: Counts{Created: 3}, Tokens: Counts{Created: 2}, RefreshTokens: Counts{Created: 1},
				ExpiredTokens: 1,
			}
			checkCounts(t, rep, want)
			if len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], `"orphan"`) {
				t.Errorf("warnings = %q, want one about the application without organization", rep.Warnings)
			}
			checkImported(t, st, f)

			// Again: nothing new, everything counted as there already.
			rep, err = ImportDSN(ctx, awx, st, Options{SecretKey: awxSecretKey})
			if err != nil {
				t.Fatal(err)
			}
			checkCounts(t, rep, Report{
				Users: Counts{Skipped: 4}, Organizations: Counts{Skipped: 2}, RoleGrants: 4,
				Applications: Counts{Skipped: 3}, Tokens: Counts{Skipped: 2}, RefreshTokens: Counts{Skipped: 1},
				ExpiredTokens: 1,
			})
			_, n, err := st.ListUsers(ctx, store.Query{})
			if err != nil || n != 4 {
				t.Fatalf("users after the second run: %d (%v)", n, err)
			}
			_, n, err = st.ListAccessTokens(ctx, store.Query{})
			if err != nil || n != 2 {
				t.Fatalf("tokens after the second run: %d (%v)", n, err)
			}
			checkImported(t, st, f)
		})
	}
}

func checkCounts(t *testing.T, got, want Report) {
	t.Helper()
	got.Warnings, want.Warnings = nil, nil
	if got.Users != want.Users || got.Organizations != want.Organizations || got.RoleGrants != want.RoleGrants ||
		got.Applications != want.Applications || got.Tokens != want.Tokens || got.RefreshTokens != want.RefreshTokens ||
		got.ExpiredTokens != want.ExpiredTokens {
		t.Fatalf("report\n got  %+v\n want %+v", got, want)
	}
}

func checkImported(t *testing.T, st store.Store, f *fixture) {
	t.Helper()
	users := map[string]*store.User{}
	for _, name := range []string{"admin", "alice", "bob", "ldapuser"} {
		u, err := st.UserByUsername(ctx, name)
		if err != nil {
			t.Fatalf("user %s: %v", name, err)
		}
		users[name] = u
		if pw, ok := f.passwords[name]; ok {
			if !secret.CheckPassword(u.PasswordHash, pw) {
				t.Errorf("%s's AWX password does not verify against the imported hash %.14s...", name, u.PasswordHash)
			}
			if secret.CheckPassword(u.PasswordHash, pw+"x") {
				t.Errorf("%s: a wrong password verifies", name)
			}
			if u.LastLogin == nil {
				t.Errorf("%s: last_login lost", name)
			}
		}
	}
	if !users["admin"].IsSuperuser || users["alice"].IsSuperuser {
		t.Errorf("is_superuser: admin %v, alice %v", users["admin"].IsSuperuser, users["alice"].IsSuperuser)
	}
	if !users["bob"].IsSystemAuditor || users["alice"].IsSystemAuditor {
		t.Errorf("is_system_auditor: bob %v, alice %v", users["bob"].IsSystemAuditor, users["alice"].IsSystemAuditor)
	}
	if users["ldapuser"].PasswordHash != "" || users["ldapuser"].IsActive {
		t.Errorf("ldapuser: hash %q active %v, want no password and inactive", users["ldapuser"].PasswordHash, users["ldapuser"].IsActive)
	}
	if users["alice"].FirstName != "Alice" || users["alice"].Email != "alice@example.com" {
		t.Errorf("alice = %+v", users["alice"])
	}

	def, err := st.OrganizationByName(ctx, "Default")
	if err != nil || def.Description != "the default" {
		t.Fatalf("Default: %+v %v", def, err)
	}
	eng, err := st.OrganizationByName(ctx, "Eng")
	if err != nil || eng.MaxHosts != 5 {
		t.Fatalf("Eng: %+v %v", eng, err)
	}
	roles := func(u string) map[int64][]store.RoleName {
		ms, err := st.UserMemberships(ctx, users[u].ID)
		if err != nil {
			t.Fatal(err)
		}
		out := map[int64][]store.RoleName{}
		for _, m := range ms {
			out[m.OrganizationID] = append(out[m.OrganizationID], m.Role)
		}
		return out
	}
	if r := roles("alice"); len(r) != 1 || len(r[def.ID]) != 2 || r[def.ID][0] != store.RoleAdmin || r[def.ID][1] != store.RoleMember {
		t.Errorf("alice's roles = %v, want admin and member of Default", r)
	}
	if r := roles("bob"); len(r) != 2 || len(r[eng.ID]) != 1 || r[eng.ID][0] != store.RoleMember || len(r[def.ID]) != 1 || r[def.ID][0] != store.RoleAuditor {
		t.Errorf("bob's roles = %v, want member of Eng and auditor of Default", r)
	}

	ci, err := st.ApplicationByClientID(ctx, "clientci")
	if err != nil {
		t.Fatal(err)
	}
	if ci.Name != "ci" || ci.OrganizationID != def.ID || ci.UserID == nil || *ci.UserID != users["alice"].ID || ci.Description != "CI" {
		t.Errorf("ci = %+v", ci)
	}
	if !secret.Equal(ci.ClientSecretDigest, secret.Digest(f.clearSecret)) {
		t.Errorf("the clear client secret's digest was not kept")
	}
	web, err := st.ApplicationByName(ctx, eng.ID, "web")
	if err != nil {
		t.Fatal(err)
	}
	if !secret.Equal(web.ClientSecretDigest, secret.Digest(f.encSecret)) {
		t.Errorf("the encrypted client secret was not decrypted to its digest")
	}
	if web.AuthorizationGrantType != "authorization-code" || web.RedirectURIs != "https://example.com/cb" || !web.SkipAuthorization {
		t.Errorf("web = %+v", web)
	}
	pub, err := st.ApplicationByClientID(ctx, "clientpub")
	if err != nil || pub.ClientSecretDigest != nil || pub.ClientType != "public" {
		t.Errorf("public client: %+v %v", pub, err)
	}
	if _, err := st.ApplicationByClientID(ctx, "clientorphan"); store.ErrorCode(err) != store.ENOTFOUND {
		t.Errorf("application without organization: %v", err)
	}

	// Tokens authenticate by the digest of AWX's clear token.
	pat, err := st.AccessTokenByDigest(ctx, secret.Digest(f.liveToken))
	if err != nil {
		t.Fatalf("alice's PAT: %v", err)
	}
	if pat.UserID != users["alice"].ID || pat.ApplicationID != nil || pat.Scope != "write" || pat.Description != "alice PAT" {
		t.Errorf("PAT = %+v", pat)
	}
	if pat.LastUsed == nil || !pat.LastUsed.Equal(f.lastUsed) {
		t.Errorf("PAT last_used = %v, want %v", pat.LastUsed, f.lastUsed)
	}
	at, err := st.AccessTokenByDigest(ctx, secret.Digest(f.appToken))
	if err != nil {
		t.Fatalf("bob's app token: %v", err)
	}
	if at.UserID != users["bob"].ID || at.ApplicationID == nil || *at.ApplicationID != ci.ID || at.Scope != "read" {
		t.Errorf("app token = %+v", at)
	}
	rt, err := st.RefreshTokenByDigest(ctx, secret.Digest(f.refreshToken))
	if err != nil || rt.AccessTokenID == nil || *rt.AccessTokenID != at.ID || rt.Revoked != nil {
		t.Errorf("refresh token = %+v %v", rt, err)
	}
	if _, err := st.AccessTokenByDigest(ctx, secret.Digest(f.expiredToken)); store.ErrorCode(err) != store.ENOTFOUND {
		t.Errorf("the expired token was imported: %v", err)
	}
}

// TestImportWithoutSecretKey: an encrypted client secret cannot be
// recovered without AWX's SECRET_KEY (or with a wrong one): the application
// comes over locked (a secret nobody knows), and the report says to reset
// it, never showing a secret.
func TestImportWithoutSecretKey(t *testing.T) {
	awx, f := newAWX(t)
	for _, key := range []string{"", "not-the-key"} {
		db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "awxtoken.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		rep, err := ImportDSN(ctx, awx, db, Options{SecretKey: key})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, w := range rep.Warnings {
			if strings.Contains(w, `"web"`) && strings.Contains(w, "reset the secret") {
				found = true
			}
			for _, s := range []string{f.encSecret, f.clearSecret, f.liveToken, f.refreshToken, awxSecretKey} {
				if strings.Contains(w, s) {
					t.Fatalf("a warning shows a secret: %q", w)
				}
			}
		}
		if !found {
			t.Fatalf("key %q: warnings %q do not mention the web application's secret", key, rep.Warnings)
		}
		web, err := db.ApplicationByClientID(ctx, "clientweb")
		if err != nil {
			t.Fatal(err)
		}
		if len(web.ClientSecretDigest) != 32 || secret.Equal(web.ClientSecretDigest, secret.Digest(f.encSecret)) {
			t.Fatalf("key %q: the application has digest %x", key, web.ClientSecretDigest)
		}
	}
}

func TestImportDSNErrorHidesPassword(t *testing.T) {
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "awxtoken.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = ImportDSN(ctx, "postgres://awx:hunter2@127.0.0.1:1/awx?connect_timeout=1", db, Options{})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("ImportDSN on a closed port = %v", err)
	}
}

func TestDecryptRejectsTampering(t *testing.T) {
	enc := encryptAWX(t, awxSecretKey, "s3cret")
	if got, err := decryptAWX(awxSecretKey, enc); err != nil || got != "s3cret" {
		t.Fatalf("decrypt = %q, %v", got, err)
	}
	raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(enc, "$encrypted$UTF8$AESCBC$"))
	tok, _ := base64.URLEncoding.DecodeString(string(raw))
	tok[40] ^= 1
	bad := "$encrypted$UTF8$AESCBC$" + base64.StdEncoding.EncodeToString([]byte(base64.URLEncoding.EncodeToString(tok)))
	if _, err := decryptAWX(awxSecretKey, bad); err == nil {
		t.Fatal("a tampered value decrypted")
	}
	for _, v := range []string{"$encrypted$UTF8$AESCBC$!!!", "$encrypted$UTF8$RSA$abc", "plain", "$encrypted$UTF8$AESCBC$" + base64.StdEncoding.EncodeToString([]byte("eA=="))} {
		if _, err := decryptAWX(awxSecretKey, v); err == nil {
			t.Fatalf("decrypt(%q) succeeded", v)
		}
	}
}
