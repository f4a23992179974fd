package awx

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestNewClientBaseURL(t *testing.T) {
	tests := []struct {
		in, base, origin string
	}{
		{"https://awx.example.com", "https://awx.example.com/api/v2/", "https://awx.example.com"},
		{"https://awx.example.com/", "https://awx.example.com/api/v2/", "https://awx.example.com"},
		{"https://host:8443/awx", "https://host:8443/awx/api/v2/", "https://host:8443/awx"},
		{"https://host/awx/", "https://host/awx/api/v2/", "https://host/awx"},
		{"https://host/awx/api/v2/", "https://host/awx/api/v2/", "https://host/awx"},
		{"HTTP://host", "http://host/api/v2/", "http://host"},
		{"  http://127.0.0.1:8052  ", "http://127.0.0.1:8052/api/v2/", "http://127.0.0.1:8052"},
	}
	for _, tt := range tests {
		c, err := NewClient(tt.in)
		if err != nil {
			t.Errorf("NewClient(%q): %v", tt.in, err)
			continue
		}
		if got := c.BaseURL().String(); got != tt.base {
			t.Errorf("NewClient(%q).BaseURL() = %q, want %q", tt.in, got, tt.base)
		}
		if got := c.Origin().String(); got != tt.origin {
			t.Errorf("NewClient(%q).Origin() = %q, want %q", tt.in, got, tt.origin)
		}
	}
	// BaseURL is a copy: changing it does not change the client.
	c, _ := NewClient("https://awx.example.com")
	c.BaseURL().Host = "evil.example.com"
	if c.BaseURL().Host != "awx.example.com" {
		t.Error("BaseURL() returned the client's own URL")
	}
}

func TestNewClientRejectsBadURLs(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "no AWX URL"},
		{"awx.example.com", "needs a scheme and a host"},
		{"/awx", "needs a scheme and a host"},
		{"https://", "needs a scheme and a host"},
		{"ftp://awx.example.com", "scheme must be http or https"},
		{"https://admin:hunter2secret@awx.example.com", "must not hold credentials"},
		{"https://awx.example.com/?token=abc", "must not have a query"},
		{"https://awx example.com", "invalid AWX URL"},
	}
	for _, tt := range tests {
		_, err := NewClient(tt.in)
		if err == nil {
			t.Errorf("NewClient(%q) succeeded, want an error", tt.in)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewClient(%q) = %q, want it to contain %q", tt.in, err, tt.want)
		}
		if strings.Contains(err.Error(), "hunter2secret") {
			t.Errorf("NewClient(%q) error shows the password: %q", tt.in, err)
		}
	}
}

func TestNewClientOptionErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.pem")
	os.WriteFile(bad, []byte("not a certificate"), 0o600)
	tests := []struct {
		name string
		opt  Option
		want string
	}{
		{"missing CA file", WithCAFile(filepath.Join(dir, "missing.pem")), "reading CA file"},
		{"CA file without PEM", WithCAFile(bad), "holds no PEM certificate"},
		{"nil HTTP client", WithHTTPClient(nil), "nil *http.Client"},
		{"negative timeout", WithTimeout(-time.Second), "negative timeout"},
		{"TLS on a foreign transport", func(s *settings) error {
			s.httpClient = &http.Client{Transport: roundTripFunc(nil)}
			s.insecure = true
			return nil
		}, "to be an *http.Transport"},
	}
	for _, tt := range tests {
		_, err := NewClient("https://awx.example.com", tt.opt)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestDefaultTransportUsesEnvironmentProxy(t *testing.T) {
	c, err := NewClient("https://awx.example.com")
	if err != nil {
		t.Fatal(err)
	}
	tr, ok := c.httpClient.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("transport is %T, want *http.Transport", c.httpClient.Transport)
	}
	if tr.Proxy == nil || reflect.ValueOf(tr.Proxy).Pointer() != reflect.ValueOf(http.ProxyFromEnvironment).Pointer() {
		t.Fatal("transport's Proxy is not http.ProxyFromEnvironment")
	}
	if tr == http.DefaultTransport {
		t.Error("client shares http.DefaultTransport; want a clone")
	}
}

func TestWithHTTPClientIsNotModified(t *testing.T) {
	hc := &http.Client{Timeout: 3 * time.Second}
	c, err := NewClient("https://awx.example.com", WithHTTPClient(hc), WithTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if hc.CheckRedirect != nil || hc.Timeout != 3*time.Second {
		t.Error("NewClient changed the caller's *http.Client")
	}
	if c.httpClient.Timeout != time.Second {
		t.Errorf("timeout = %v, want 1s", c.httpClient.Timeout)
	}
}

func TestNewRequestHeaders(t *testing.T) {
	tests := []struct {
		name     string
		opts     []Option
		wantAuth string
		wantUA   string
	}{
		{"bearer", []Option{WithToken("abc123")}, "Bearer abc123", "awxtoken/" + Version},
		{"token from a file", []Option{WithToken("abc123\n")}, "Bearer abc123", "awxtoken/" + Version},
		{"empty token sends nothing", []Option{WithToken("")}, "", "awxtoken/" + Version},
		{"basic", []Option{WithBasicAuth("admin", "pw")}, "Basic YWRtaW46cHc=", "awxtoken/" + Version},
		{"token wins over basic", []Option{WithBasicAuth("admin", "pw"), WithToken("abc123")}, "Bearer abc123", "awxtoken/" + Version},
		{"user agent", []Option{WithUserAgent("mytool/1.0")}, "", "mytool/1.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient("https://awx.example.com", tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			req, err := c.NewRequest(ctx, "GET", "me/", nil)
			if err != nil {
				t.Fatal(err)
			}
			testHeader(t, req, "Authorization", tt.wantAuth)
			testHeader(t, req, "User-Agent", tt.wantUA)
			testHeader(t, req, "Accept", "application/json")
			testHeader(t, req, "Content-Type", "")
		})
	}
}

func TestNewRequestBody(t *testing.T) {
	c, _ := NewClient("https://awx.example.com")
	req, err := c.NewRequest(ctx, "POST", "tokens/", map[string]string{"description": "a <b> & c"})
	if err != nil {
		t.Fatal(err)
	}
	testHeader(t, req, "Content-Type", "application/json")
	testBody(t, req, `{"description":"a <b> & c"}`)

	if _, err := c.NewRequest(ctx, "POST", "tokens/", make(chan int)); err == nil {
		t.Error("NewRequest with an unencodable body succeeded")
	}
}

func TestNewRequestResolvesPaths(t *testing.T) {
	tests := []struct{ base, rel, want string }{
		{"https://h", "me/", "https://h/api/v2/me/"},
		{"https://h/awx", "me/", "https://h/awx/api/v2/me/"},
		{"https://h/awx", "tokens/?page=2", "https://h/awx/api/v2/tokens/?page=2"},
		{"https://h", "/api/v2/tokens/?page=2", "https://h/api/v2/tokens/?page=2"},
		{"https://h/awx", "/api/v2/tokens/?page=2", "https://h/awx/api/v2/tokens/?page=2"},
		{"https://h/awx", "/awx/api/v2/tokens/?page=2", "https://h/awx/api/v2/tokens/?page=2"},
		{"https://h/awx", "/api/o/token/", "https://h/awx/api/o/token/"},
		{"https://h/awx", "https://h/awx/api/v2/me/", "https://h/awx/api/v2/me/"},
		{"http://h", "https://h/api/v2/me/", "https://h/api/v2/me/"},
		{"https://h/awx", "/api/v2/applications/a%2Fb++O/", "https://h/awx/api/v2/applications/a%2Fb++O/"},
		{"https://h/a%20b", "/api/v2/me/", "https://h/a%20b/api/v2/me/"},
		{"https://h/a%20b", "/a%20b/api/v2/me/", "https://h/a%20b/api/v2/me/"},
		{"https://h", "users/j%20doe/personal_tokens/", "https://h/api/v2/users/j%20doe/personal_tokens/"},
	}
	for _, tt := range tests {
		c, err := NewClient(tt.base)
		if err != nil {
			t.Fatal(err)
		}
		req, err := c.NewRequest(ctx, "GET", tt.rel, nil)
		if err != nil {
			t.Errorf("%s + %s: %v", tt.base, tt.rel, err)
			continue
		}
		if got := req.URL.String(); got != tt.want {
			t.Errorf("%s + %s = %s, want %s", tt.base, tt.rel, got, tt.want)
		}
	}

	// An absolute link to another origin would carry the token away.
	c, _ := NewClient("https://h", WithToken("abc"))
	for _, rel := range []string{"https://evil.example.com/api/v2/me/", "https://h:8443/api/v2/me/", "//evil.example.com/x"} {
		if _, err := c.NewRequest(ctx, "GET", rel, nil); err == nil || !strings.Contains(err.Error(), "refusing") {
			t.Errorf("NewRequest(%q) err = %v, want a refusal", rel, err)
		}
	}
	c, _ = NewClient("https://h")
	if _, err := c.NewRequest(ctx, "GET", "http://h/api/v2/me/", nil); err == nil {
		t.Error("NewRequest accepted a downgrade from https to http")
	}
}

func TestDo(t *testing.T) {
	forEachPrefix(t, func(t *testing.T, prefix string) {
		c, mux, _ := setup(t, prefix)
		mux.HandleFunc("/api/v2/thing/", func(w http.ResponseWriter, r *http.Request) {
			testMethod(t, r, "GET")
			testHeader(t, r, "Authorization", "Bearer "+testToken)
			writeJSON(w, 200, `{"a":"b"}`)
		})
		req, _ := c.NewRequest(ctx, "GET", "thing/", nil)
		var got map[string]string
		resp, err := c.Do(req, &got)
		if err != nil {
			t.Fatal(err)
		}
		diff(t, "body", got, map[string]string{"a": "b"})
		if resp.StatusCode != 200 || resp.Count != 0 || resp.Next != "" {
			t.Errorf("response = %d count %d next %q", resp.StatusCode, resp.Count, resp.Next)
		}
	})
}

func TestDoEmptyBodyIsSuccess(t *testing.T) {
	c, mux, _ := setup(t, "/awx")
	mux.HandleFunc("/api/v2/tokens/5/", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "DELETE")
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/api/o/revoke_token/", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK) // 200 with an empty body
	})
	resp, err := c.Tokens.Delete(ctx, 5)
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("Delete = %v, %v", resp, err)
	}
	req, _ := c.NewRequest(ctx, "POST", "/api/o/revoke_token/", nil)
	var v map[string]any
	if _, err := c.Do(req, &v); err != nil {
		t.Fatalf("Do with empty 200 body: %v", err)
	}
}

func TestDoWriterGetsRawBody(t *testing.T) {
	c, mux, _ := setup(t, "")
	mux.HandleFunc("/api/v2/ping/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"ha":false}`)
	})
	req, _ := c.NewRequest(ctx, "GET", "ping/", nil)
	var b strings.Builder
	if _, err := c.Do(req, &b); err != nil {
		t.Fatal(err)
	}
	if b.String() != `{"ha":false}` {
		t.Errorf("raw body = %q", b.String())
	}
}

func TestDoBadJSON(t *testing.T) {
	c, mux, _ := setup(t, "")
	mux.HandleFunc("/api/v2/tokens/1/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"id": "not a number"}`)
	})
	_, resp, err := c.Tokens.Get(ctx, 1)
	if err == nil || !strings.Contains(err.Error(), "decoding response") {
		t.Fatalf("err = %v, want a decoding error", err)
	}
	if resp == nil || resp.StatusCode != 200 {
		t.Errorf("resp = %v, want the 200 response", resp)
	}
}

func TestMe(t *testing.T) {
	forEachPrefix(t, func(t *testing.T, prefix string) {
		c, mux, _ := setup(t, prefix)
		mux.HandleFunc("/api/v2/me/", func(w http.ResponseWriter, r *http.Request) {
			testMethod(t, r, "GET")
			writeJSON(w, 200, `{"count":1,"next":null,"previous":null,"results":[{"id":7,"type":"user","username":"alice","email":"a@example.com","is_superuser":false}]}`)
		})
		me, resp, err := c.Me(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if me.ID != 7 || me.Username != "alice" || me.Email != "a@example.com" {
			t.Errorf("Me = %+v", me)
		}
		if resp.Count != 1 {
			t.Errorf("Count = %d, want 1", resp.Count)
		}
	})
}

func TestMeEmpty(t *testing.T) {
	c, mux, _ := setup(t, "")
	mux.HandleFunc("/api/v2/me/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"count":0,"next":null,"previous":null,"results":[]}`)
	})
	if _, _, err := c.Me(ctx); err == nil || !strings.Contains(err.Error(), "returned no user") {
		t.Errorf("err = %v", err)
	}
}

func TestRedirects(t *testing.T) {
	var otherAuth string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherAuth = r.Header.Get("Authorization")
		writeJSON(w, 200, `{"where":"other"}`)
	}))
	defer other.Close()

	c, mux, _ := setup(t, "/awx")
	mux.HandleFunc("/api/v2/old/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/awx/api/v2/new/", http.StatusFound)
	})
	mux.HandleFunc("/api/v2/moved/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/awx/api/v2/new/", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/api/v2/new/", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		testHeader(t, r, "Authorization", "Bearer "+testToken)
		testHeader(t, r, "Accept", "application/json")
		writeJSON(w, 200, `{"where":"new"}`)
	})
	mux.HandleFunc("/api/v2/away/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/x/", http.StatusFound)
	})
	mux.HandleFunc("/api/v2/post/", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "POST")
		http.Redirect(w, r, "/awx/api/v2/new/", http.StatusFound)
	})
	mux.HandleFunc("/api/v2/loop/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/awx/api/v2/loop/", http.StatusFound)
	})

	for _, p := range []string{"old/", "moved/"} {
		req, _ := c.NewRequest(ctx, "GET", p, nil)
		var got map[string]string
		if _, err := c.Do(req, &got); err != nil {
			t.Fatalf("GET %s: %v", p, err)
		}
		diff(t, "GET "+p, got, map[string]string{"where": "new"})
	}

	req, _ := c.NewRequest(ctx, "GET", "away/", nil)
	var got map[string]string
	if _, err := c.Do(req, &got); err != nil {
		t.Fatalf("GET away/: %v", err)
	}
	diff(t, "GET away/", got, map[string]string{"where": "other"})
	if otherAuth != "" {
		t.Errorf("Authorization sent to another host: %q", otherAuth)
	}

	req, _ = c.NewRequest(ctx, "POST", "post/", struct{}{})
	resp, err := c.Do(req, nil)
	var er *ErrorResponse
	if !errors.As(err, &er) || er.StatusCode != 302 || resp.StatusCode != 302 {
		t.Fatalf("POST with a redirect: err = %v, want a 302 ErrorResponse", err)
	}
	if want := "302 Found on POST /awx/api/v2/post/: redirected to /awx/api/v2/new/"; er.Error() != want {
		t.Errorf("error = %q, want %q", er.Error(), want)
	}

	req, _ = c.NewRequest(ctx, "GET", "loop/", nil)
	if _, err := c.Do(req, nil); err == nil || !strings.Contains(err.Error(), "redirects") {
		t.Errorf("redirect loop: err = %v", err)
	}
}

func TestNetworkError(t *testing.T) {
	// A listener that is closed at once gives a port nobody answers on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	c, err := NewClient("http://"+addr+"/awx", WithToken(testToken))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := c.NewRequest(ctx, "GET", "tokens/?token=s3cretvalue&search=x", nil)
	_, err = c.Do(req, nil)
	var re *RequestError
	if !errors.As(err, &re) {
		t.Fatalf("err = %#v, want a *RequestError", err)
	}
	msg := err.Error()
	want := "awx: GET http://" + addr + "/awx/api/v2/tokens/?token=************&search=x: dial tcp " + addr + ": connect: connection refused"
	if msg != want {
		t.Errorf("error =\n%q\nwant\n%q", msg, want)
	}
	if strings.Contains(msg, "s3cretvalue") || strings.Contains(msg, testToken) {
		t.Errorf("error shows a secret: %q", msg)
	}
	var op *net.OpError
	if !errors.As(err, &op) {
		t.Error("the cause is not reachable through errors.As")
	}
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c, _ := NewClient(srv.URL, WithTimeout(50*time.Millisecond))
	req, _ := c.NewRequest(ctx, "GET", "me/", nil)
	_, err := c.Do(req, nil)
	var re *RequestError
	if !errors.As(err, &re) || !re.Timeout() {
		t.Fatalf("err = %v, want a timeout RequestError", err)
	}
}

func TestTLSOptions(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"count":1,"next":null,"previous":null,"results":[{"id":1,"username":"admin"}]}`)
	}))
	// The untrusted case makes the server log a handshake error; keep the
	// test output clean.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())

	tests := []struct {
		name string
		opts []Option
		ok   bool
	}{
		{"untrusted", nil, false},
		{"CA file", []Option{WithCAFile(caFile)}, true},
		{"insecure", []Option{WithInsecureSkipVerify()}, true},
		{"TLS config", []Option{WithTLSConfig(&tls.Config{RootCAs: pool})}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(srv.URL, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = c.Me(ctx)
			if tt.ok && err != nil {
				t.Errorf("Me: %v", err)
			}
			if !tt.ok {
				var re *RequestError
				if !errors.As(err, &re) || !strings.Contains(err.Error(), "certificate") {
					t.Errorf("Me err = %v, want a certificate RequestError", err)
				}
			}
		})
	}
}
