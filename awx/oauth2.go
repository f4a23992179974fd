package awx

import (
	"context"
	"errors"
	"net/http"
	"net/url"
)

// OAuth2Service handles AWX's OAuth2 endpoints under /api/o/: the password
// and refresh-token grants and revocation. These are form-encoded, and
// authenticate the application (client_id and client_secret), not the user,
// so the client's own token or Basic credentials are not sent with them.
type OAuth2Service service

// PasswordGrant exchanges a user's username and password for an access token
// and a refresh token of the application clientID. clientSecret is empty for
// a public application. scope is "read", "write", "read write", or empty for
// AWX's default ("read write").
//
// AWX API: POST /api/o/token/ grant_type=password
func (s *OAuth2Service) PasswordGrant(ctx context.Context, clientID, clientSecret, username, password, scope string) (*OAuth2Token, *Response, error) {
	form := url.Values{
		"grant_type": {"password"},
		"username":   {username},
		"password":   {password},
	}
	if scope != "" {
		form.Set("scope", scope)
	}
	ctx = withSecrets(ctx, password, clientSecret)
	return s.grant(ctx, clientID, clientSecret, form)
}

// RefreshGrant exchanges a refresh token for a new access token and a new
// refresh token (AWX rotates them: the old refresh token is revoked and its
// access token deleted). scope may narrow the original scope; empty keeps it.
//
// AWX API: POST /api/o/token/ grant_type=refresh_token
func (s *OAuth2Service) RefreshGrant(ctx context.Context, clientID, clientSecret, refreshToken, scope string) (*OAuth2Token, *Response, error) {
	form := url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {refreshToken},
	}
	if scope != "" {
		form.Set("scope", scope)
	}
	ctx = withSecrets(ctx, refreshToken, clientSecret)
	return s.grant(ctx, clientID, clientSecret, form)
}

func (s *OAuth2Service) grant(ctx context.Context, clientID, clientSecret string, form url.Values) (*OAuth2Token, *Response, error) {
	req, err := s.newRequest(ctx, "/api/o/token/", clientID, clientSecret, form)
	if err != nil {
		return nil, nil, err
	}
	tok := new(OAuth2Token)
	resp, err := s.client.Do(req, tok)
	if err != nil {
		return nil, resp, err
	}
	return tok, resp, nil
}

// Revoke revokes an access token or a refresh token of the application
// clientID (RFC 7009). AWX answers 200 also for a token it does not know, so
// success does not prove the token existed.
//
// AWX API: POST /api/o/revoke_token/
func (s *OAuth2Service) Revoke(ctx context.Context, clientID, clientSecret, token string) (*Response, error) {
	if token == "" {
		return nil, errors.New("awx: Revoke: no token given")
	}
	ctx = withSecrets(ctx, token, clientSecret)
	req, err := s.newRequest(ctx, "/api/o/revoke_token/", clientID, clientSecret, url.Values{"token": {token}})
	if err != nil {
		return nil, err
	}
	return s.client.Do(req, nil)
}

// newRequest builds a form POST with client authentication: HTTP Basic for a
// confidential client (RFC 6749 section 2.3.1: each part form-encoded), the
// bare client_id in the body for a public one.
func (s *OAuth2Service) newRequest(ctx context.Context, path, clientID, clientSecret string, form url.Values) (*http.Request, error) {
	if clientID == "" {
		return nil, errors.New("awx: no OAuth2 client id given")
	}
	if clientSecret == "" {
		form.Set("client_id", clientID)
	}
	req, err := s.client.NewRequest(ctx, http.MethodPost, path, form)
	if err != nil {
		return nil, err
	}
	req.Header.Del("Authorization")
	if clientSecret != "" {
		req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(clientSecret))
	}
	return req, nil
}
