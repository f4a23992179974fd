package awx_test

// OAuth2Service against the real server's /api/o/ endpoints: every method,
// public and confidential clients, and the errors a caller must be able to
// tell apart (by errors.Is on the status and by the OAuth2 error code).

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/awxtoken/awxtoken/awx"
	"github.com/awxtoken/awxtoken/internal/servertest"
	"github.com/awxtoken/awxtoken/internal/store"
)

func TestIntegrationOAuth2Flows(t *testing.T) {
	var now atomic.Int64 // the server's clock, Unix nanoseconds
	now.Store(time.Now().UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	s := servertest.Start(t, servertest.WithNow(clock), servertest.WithRefreshTokenExpireSeconds(3600))
	admin := newClient(t, s, "", s.AdminToken)
	org := s.CreateOrg(t, "Engineering")
	mkApp := func(name, clientType string) *awx.Application {
		t.Helper()
		app, _, err := admin.Applications.Create(bg, awx.ApplicationRequest{
			Name: str(name), Organization: &org.ID,
			ClientType: str(clientType), AuthorizationGrantType: str(awx.GrantPassword),
		})
		if err != nil {
			t.Fatalf("Create application %s: %v", name, err)
		}
		return app
	}
	conf, pub, other := mkApp("conf", awx.ClientConfidential), mkApp("pub", awx.ClientPublic), mkApp("other", awx.ClientConfidential)
	bob := s.CreateUser(t, "bob", "bob-Password-1", false)
	s.Grant(t, org.ID, store.RoleMember, bob.ID)

	// The OAuth2 calls carry client credentials only, whatever the client
	// was built with.
	c := newClient(t, s, "/awx", s.AdminToken)

	// Public client: client_id alone, for the grant, the refresh and the
	// revocation.
	g, _, err := c.OAuth2.PasswordGrant(bg, pub.ClientID, "", "bob", "bob-Password-1", "")
	if err != nil {
		t.Fatalf("public PasswordGrant: %v", err)
	}
	if g.Scope != "read write" || g.ExpiresIn <= 0 || !tokenRE.MatchString(g.AccessToken) || !tokenRE.MatchString(g.RefreshToken) {
		t.Errorf("public PasswordGrant = %+v", g)
	}
	r, _, err := c.OAuth2.RefreshGrant(bg, pub.ClientID, "", g.RefreshToken, "read")
	if err != nil || r.Scope != "read" {
		t.Fatalf("public RefreshGrant = %+v, %v", r, err)
	}
	bobClient := newClient(t, s, "", r.AccessToken)
	if me, _, err := bobClient.Me(bg); err != nil || me.ID != bob.ID {
		t.Errorf("Me with the refreshed token = %v, %v", me, err)
	}
	// Reusing the rotated refresh token, or widening the scope, fails with
	// the OAuth2 code.
	_, _, err = c.OAuth2.RefreshGrant(bg, pub.ClientID, "", g.RefreshToken, "")
	if er := (*awx.ErrorResponse)(nil); !errors.As(err, &er) || er.Code != "invalid_grant" || !errors.Is(err, awx.ErrBadRequest) {
		t.Errorf("reused refresh token: %v", err)
	}
	_, _, err = c.OAuth2.RefreshGrant(bg, pub.ClientID, "", r.RefreshToken, "write")
	if er := (*awx.ErrorResponse)(nil); !errors.As(err, &er) || er.Code != "invalid_scope" {
		t.Errorf("widened scope: %v", err)
	}
	// Revoking the refresh token ends its access token too.
	if _, err := c.OAuth2.Revoke(bg, pub.ClientID, "", r.RefreshToken); err != nil {
		t.Fatalf("Revoke refresh token: %v", err)
	}
	if _, _, err := bobClient.Me(bg); !errors.Is(err, awx.ErrUnauthorized) {
		t.Errorf("Me after revoking the refresh token: %v", err)
	}

	// Confidential client: without its secret, or with another's, it is
	// not authenticated.
	_, _, err = c.OAuth2.PasswordGrant(bg, conf.ClientID, "", "bob", "bob-Password-1", "")
	if er := (*awx.ErrorResponse)(nil); !errors.As(err, &er) || er.Code != "invalid_client" || !errors.Is(err, awx.ErrUnauthorized) {
		t.Errorf("confidential client without secret: %v", err)
	}
	_, _, err = c.OAuth2.PasswordGrant(bg, conf.ClientID, other.ClientSecret, "bob", "bob-Password-1", "")
	if !errors.Is(err, awx.ErrUnauthorized) {
		t.Errorf("confidential client with another's secret: %v", err)
	}
	g, _, err = c.OAuth2.PasswordGrant(bg, conf.ClientID, conf.ClientSecret, "bob", "bob-Password-1", "write")
	if err != nil || g.Scope != "write" {
		t.Fatalf("confidential PasswordGrant = %+v, %v", g, err)
	}
	// Another client cannot revoke it (the call still succeeds).
	if _, err := c.OAuth2.Revoke(bg, other.ClientID, other.ClientSecret, g.AccessToken); err != nil {
		t.Fatalf("foreign Revoke: %v", err)
	}
	bobClient = newClient(t, s, "", g.AccessToken)
	if _, _, err := bobClient.Me(bg); err != nil {
		t.Errorf("Me after a foreign client's revocation: %v", err)
	}

	// An expired refresh token: AWX's plain-text 403.
	now.Add(int64(2 * time.Hour))
	_, _, err = c.OAuth2.RefreshGrant(bg, conf.ClientID, conf.ClientSecret, g.RefreshToken, "")
	if er := (*awx.ErrorResponse)(nil); !errors.As(err, &er) || !errors.Is(err, awx.ErrForbidden) || er.Detail != "The refresh token has expired." {
		t.Errorf("expired refresh token: %v", err)
	}
}
