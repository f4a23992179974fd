// Package clients_test replays, byte for byte, what two AWX clients that
// nobody on this project wrote send to an AWX server, against the real
// awxtoken server (internal/servertest): awxkit (the `awx` command line and
// its `awx login`) and AWX.psm (the PowerShell module whose New-Token this
// project mirrors). Each request carries the headers and the exact body
// those clients build, read from their source: awxkit's
// api/pages/base.py and api/client.py (python-requests), AWX.psm's
// RestAPI.cs and cmdlets (.NET HttpClient, System.Text.Json). The answers
// are checked for what those clients then rely on.
package clients_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/awxtoken/awxtoken/internal/servertest"
)

// wire is one request as a client puts it on the wire. Header holds every
// header the client sets; nothing else is added (no Go User-Agent, no
// Accept-Encoding), so the server sees what it would from that client.
type wire struct {
	Method string
	Target string // path and raw query, exactly as the client encodes it
	Header map[string]string
	Body   string
}

// answer is what came back.
type answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// rawTransport sends requests without Go's additions: no transparent gzip
// (the clients here ask for "gzip, deflate" or nothing, and decode
// themselves) and no redirect following (AWX.psm follows only 302s, by
// hand; awxkit's POSTs must not be redirected).
var rawClient = &http.Client{
	Timeout:   30 * time.Second,
	Transport: &http.Transport{DisableCompression: true},
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
}

func send(t *testing.T, srv *servertest.Server, w wire) *answer {
	t.Helper()
	var body io.Reader
	if w.Body != "" {
		body = strings.NewReader(w.Body)
	}
	req, err := http.NewRequest(w.Method, srv.URL+w.Target, body)
	if err != nil {
		t.Fatalf("building %s %s: %v", w.Method, w.Target, err)
	}
	// An empty User-Agent makes net/http send none, as .NET's HttpClient.
	req.Header.Set("User-Agent", "")
	for k, v := range w.Header {
		req.Header.Set(k, v)
	}
	resp, err := rawClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", w.Method, w.Target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the answer to %s %s: %v", w.Method, w.Target, err)
	}
	return &answer{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// expect fails the test unless the answer has status want.
func (a *answer) expect(t *testing.T, want int, what string) {
	t.Helper()
	if a.Status != want {
		t.Fatalf("%s: status %d, want %d; body: %s", what, a.Status, want, a.Body)
	}
}

// decode decodes a JSON answer into v.
func (a *answer) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(a.Body, v); err != nil {
		t.Fatalf("answer is not the expected JSON (%v): %s", err, a.Body)
	}
}

// jsonContent checks what both clients need of a JSON answer: AWX.psm
// compares the media type with "application/json" exactly and treats an
// answer without Content-Length as empty (RestAPI.HandlePostResponse).
func (a *answer) jsonContent(t *testing.T, what string) {
	t.Helper()
	ct := a.Header.Get("Content-Type")
	if mt, _, _ := strings.Cut(ct, ";"); strings.TrimSpace(mt) != "application/json" {
		t.Errorf("%s: Content-Type %q, want application/json", what, ct)
	}
	n, err := strconv.Atoi(a.Header.Get("Content-Length"))
	if err != nil || n != len(a.Body) || n == 0 {
		t.Errorf("%s: Content-Length %q for a %d-byte body", what, a.Header.Get("Content-Length"), len(a.Body))
	}
}

func basicAuth(username, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(username+":"+password))
}

// tokenJSON is the part of AWX's token object the clients read.
type tokenJSON struct {
	ID            int64   `json:"id"`
	Type          string  `json:"type"`
	URL           string  `json:"url"`
	User          int64   `json:"user"`
	Token         string  `json:"token"`
	RefreshToken  *string `json:"refresh_token"`
	Application   *int64  `json:"application"`
	Description   string  `json:"description"`
	Scope         string  `json:"scope"`
	SummaryFields struct {
		User struct {
			ID       int64  `json:"id"`
			Username string `json:"username"`
		} `json:"user"`
	} `json:"summary_fields"`
}

type tokenPage struct {
	Count    int         `json:"count"`
	Next     *string     `json:"next"`
	Previous *string     `json:"previous"`
	Results  []tokenJSON `json:"results"`
}

const censored = "************"

// checkNewToken checks a token create answer: the clear token once, owned
// by the caller.
func checkNewToken(t *testing.T, tok tokenJSON, ownerID int64, what string) {
	t.Helper()
	if len(tok.Token) != 30 || tok.Token == censored {
		t.Errorf("%s: token %q is not a fresh 30-character token", what, tok.Token)
	}
	if tok.User != ownerID || tok.SummaryFields.User.ID != ownerID {
		t.Errorf("%s: owner %d (summary %d), want %d", what, tok.User, tok.SummaryFields.User.ID, ownerID)
	}
	if tok.Type != "o_auth2_access_token" || tok.URL != "/api/v2/tokens/"+strconv.FormatInt(tok.ID, 10)+"/" {
		t.Errorf("%s: type %q url %q", what, tok.Type, tok.URL)
	}
}
