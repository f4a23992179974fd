package awx

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
)

const (
	clientID     = "Hq1m2Rz3ClientIdOf40CharsXXXXXXXXXXXXXXX"
	clientSecret = "clientSecretValueThatIsSecret"
)

func TestOAuth2PasswordGrant(t *testing.T) {
	forEachPrefix(t, func(t *testing.T, prefix string) {
		c, mux, _ := setup(t, prefix)
		mux.HandleFunc("/api/o/token/", func(w http.ResponseWriter, r *http.Request) {
			testMethod(t, r, "POST")
			testHeader(t, r, "Content-Type", "application/x-www-form-urlencoded")
			id, secret, ok := r.BasicAuth()
			if !ok || id != clientID || secret != clientSecret {
				t.Errorf("client auth = %q, %q, %v", id, secret, ok)
			}
			if err := r.ParseForm(); err != nil {
				t.Fatal(err)
			}
			diff(t, "form", r.PostForm, url.Values{
				"grant_type": {"password"}, "username": {"alice"}, "password": {"p&ss w=rd"}, "scope": {"read"},
			})
			w.Header().Set("Cache-Control", "no-store")
			writeJSON(w, 200, `{"access_token":"newAccessToken123","expires_in":31536000000,"token_type":"Bearer","scope":"read","refresh_token":"newRefreshToken456"}`)
		})
		tok, resp, err := c.OAuth2.PasswordGrant(ctx, clientID, clientSecret, "alice", "p&ss w=rd", "read")
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "token", tok, &OAuth2Token{AccessToken: "newAccessToken123", ExpiresIn: 31536000000, TokenType: "Bearer", Scope: "read", RefreshToken: "newRefreshToken456"})
		if resp.Header.Get("Cache-Control") != "no-store" {
			t.Error("response headers lost")
		}
	})
}

func TestOAuth2PublicClient(t *testing.T) {
	c, mux, _ := setup(t, "")
	mux.HandleFunc("/api/o/token/", func(w http.ResponseWriter, r *http.Request) {
		// A public client authenticates with its id alone, in the body;
		// the user's Bearer token must not leak into the grant.
		testHeader(t, r, "Authorization", "")
		r.ParseForm()
		diff(t, "form", r.PostForm, url.Values{
			"grant_type": {"refresh_token"}, "refresh_token": {"oldRefreshToken"}, "client_id": {clientID},
		})
		writeJSON(w, 200, `{"access_token":"a","expires_in":10,"token_type":"Bearer","scope":"write","refresh_token":"r"}`)
	})
	tok, _, err := c.OAuth2.RefreshGrant(ctx, clientID, "", "oldRefreshToken", "")
	if err != nil || tok.AccessToken != "a" || tok.RefreshToken != "r" {
		t.Fatalf("RefreshGrant = %+v, %v", tok, err)
	}
	if _, _, err := c.OAuth2.RefreshGrant(ctx, "", "", "x", ""); err == nil {
		t.Error("grant without client id succeeded")
	}
}

func TestOAuth2Errors(t *testing.T) {
	c, mux, _ := setup(t, "/awx")
	mux.HandleFunc("/api/o/token/", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		switch r.PostForm.Get("grant_type") {
		case "password":
			writeJSON(w, 400, `{"error":"invalid_grant","error_description":"Invalid credentials given."}`)
		case "refresh_token":
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(403)
			w.Write([]byte("The refresh token has expired."))
		}
	})
	_, _, err := c.OAuth2.PasswordGrant(ctx, clientID, clientSecret, "alice", "wrongPassword", "")
	var er *ErrorResponse
	if !errors.As(err, &er) || er.Code != "invalid_grant" || !errors.Is(err, ErrBadRequest) {
		t.Fatalf("err = %v", err)
	}
	if want := "400 Bad Request on POST /awx/api/o/token/: invalid_grant: Invalid credentials given."; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
	_, _, err = c.OAuth2.RefreshGrant(ctx, clientID, clientSecret, "oldRefreshToken", "read")
	if want := "403 Forbidden on POST /awx/api/o/token/: The refresh token has expired."; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
}

func TestOAuth2Revoke(t *testing.T) {
	c, mux, _ := setup(t, "/awx")
	mux.HandleFunc("/api/o/revoke_token/", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "POST")
		if id, secret, _ := r.BasicAuth(); id != clientID || secret != clientSecret {
			t.Errorf("client auth = %q, %q", id, secret)
		}
		r.ParseForm()
		diff(t, "form", r.PostForm, url.Values{"token": {"tokenToRevoke"}})
		w.WriteHeader(200)
	})
	resp, err := c.OAuth2.Revoke(ctx, clientID, clientSecret, "tokenToRevoke")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("Revoke = %v, %v", resp, err)
	}
	if _, err := c.OAuth2.Revoke(ctx, clientID, clientSecret, ""); err == nil {
		t.Error("Revoke without a token succeeded")
	}
}
