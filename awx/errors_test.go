package awx

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestErrorResponses(t *testing.T) {
	scopeMsg := "Must be a simple space-separated string with allowed scopes ['read', 'write']."
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		sentinel    error
		detail      string
		fields      map[string][]string
		code        string
		msg         string
	}{
		{
			name: "one field", status: 400, body: `{"scope":["` + scopeMsg + `"]}`,
			sentinel: ErrBadRequest, fields: map[string][]string{"scope": {scopeMsg}},
			msg: "400 Bad Request on POST /api/v2/tokens/: scope: " + scopeMsg,
		},
		{
			name: "fields sorted, __all__ first", status: 400,
			body:     `{"scope":["bad scope."],"application":["Invalid pk \"999\" - object does not exist."],"__all__":["Application with this Name and Organization already exists."],"name":["This field is required.","Too long."]}`,
			sentinel: ErrBadRequest,
			fields: map[string][]string{
				"__all__":     {"Application with this Name and Organization already exists."},
				"application": {`Invalid pk "999" - object does not exist.`},
				"name":        {"This field is required.", "Too long."},
				"scope":       {"bad scope."},
			},
			msg: `400 Bad Request on POST /api/v2/tokens/: Application with this Name and Organization already exists.; application: Invalid pk "999" - object does not exist.; name: This field is required. Too long.; scope: bad scope.`,
		},
		{
			name: "detail", status: 401,
			body:     `{"detail":"Authentication credentials were not provided. To establish a login session, visit /api/login/."}`,
			sentinel: ErrUnauthorized,
			detail:   "Authentication credentials were not provided. To establish a login session, visit /api/login/.",
			msg:      "401 Unauthorized on POST /api/v2/tokens/: Authentication credentials were not provided. To establish a login session, visit /api/login/.",
		},
		{
			name: "forbidden", status: 403, body: `{"detail":"You do not have permission to perform this action."}`,
			sentinel: ErrForbidden, detail: "You do not have permission to perform this action.",
			msg: "403 Forbidden on POST /api/v2/tokens/: You do not have permission to perform this action.",
		},
		{
			name: "throttled", status: 429, body: `{"detail":"Too many failed login attempts. Try again later."}`,
			sentinel: ErrTooManyRequests, detail: "Too many failed login attempts. Try again later.",
			msg: "429 Too Many Requests on POST /api/v2/tokens/: Too many failed login attempts. Try again later.",
		},
		{
			name: "nested and odd values", status: 400,
			body:     `{"extra_data":{"foo":["bad"]},"count":3,"flag":null,"msg":"plain string"}`,
			sentinel: ErrBadRequest,
			fields:   map[string][]string{"count": {"3"}, "extra_data": {"foo: bad"}, "msg": {"plain string"}},
			msg:      "400 Bad Request on POST /api/v2/tokens/: count: 3; extra_data: foo: bad; msg: plain string",
		},
		{
			name: "bare list", status: 400, body: `["Something went wrong.", "Twice."]`,
			sentinel: ErrBadRequest, detail: "Something went wrong. Twice.",
			msg: "400 Bad Request on POST /api/v2/tokens/: Something went wrong. Twice.",
		},
		{
			name: "oauth2 error", status: 400, body: `{"error":"invalid_grant","error_description":"Invalid credentials given."}`,
			sentinel: ErrBadRequest, code: "invalid_grant", detail: "Invalid credentials given.",
			msg: "400 Bad Request on POST /api/v2/tokens/: invalid_grant: Invalid credentials given.",
		},
		{
			name: "oauth2 bare error", status: 401, body: `{"error":"invalid_client"}`,
			sentinel: ErrUnauthorized, code: "invalid_client",
			msg: "401 Unauthorized on POST /api/v2/tokens/: invalid_client",
		},
		{
			name: "plain text", status: 403, contentType: "text/plain", body: "The refresh token has expired.",
			sentinel: ErrForbidden, detail: "The refresh token has expired.",
			msg: "403 Forbidden on POST /api/v2/tokens/: The refresh token has expired.",
		},
		{
			name: "html page", status: 502, contentType: "text/html",
			body:   "<html>\n<head><title>502 Bad Gateway</title></head>\n<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
			detail: "502 Bad Gateway",
			msg:    "502 Bad Gateway on POST /api/v2/tokens/: 502 Bad Gateway",
		},
		{
			name: "html without title", status: 500, contentType: "text/html",
			body:   "<h1>Server\r\nError</h1>\x1b[31m<p>oops</p>",
			detail: "Server Error [31m oops",
			msg:    "500 Internal Server Error on POST /api/v2/tokens/: Server Error [31m oops",
		},
		{
			name: "empty", status: 503, body: "",
			msg: "503 Service Unavailable on POST /api/v2/tokens/",
		},
		{
			name: "unknown status", status: 599, body: "",
			msg: "599 Status on POST /api/v2/tokens/",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mux, _ := setup(t, "")
			mux.HandleFunc("/api/v2/tokens/", func(w http.ResponseWriter, r *http.Request) {
				ct := tt.contentType
				if ct == "" {
					ct = "application/json"
				}
				w.Header().Set("Content-Type", ct)
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			_, resp, err := c.Tokens.Create(ctx, TokenCreateRequest{Scope: "write"})
			var er *ErrorResponse
			if !errors.As(err, &er) {
				t.Fatalf("err = %#v, want *ErrorResponse", err)
			}
			if resp == nil || resp.StatusCode != tt.status || er.Response != resp.Response {
				t.Errorf("response not returned with the error")
			}
			diff(t, "ErrorResponse", struct {
				Method, Path, Detail, Code string
				StatusCode                 int
				Fields                     map[string][]string
			}{er.Method, er.Path, er.Detail, er.Code, er.StatusCode, er.Fields}, struct {
				Method, Path, Detail, Code string
				StatusCode                 int
				Fields                     map[string][]string
			}{"POST", "/api/v2/tokens/", tt.detail, tt.code, tt.status, tt.fields})
			if got := err.Error(); got != tt.msg {
				t.Errorf("Error()\n got %q\nwant %q", got, tt.msg)
			}
			for _, s := range []error{ErrBadRequest, ErrUnauthorized, ErrForbidden, ErrNotFound, ErrTooManyRequests} {
				if got := errors.Is(err, s); got != (s == tt.sentinel) {
					t.Errorf("errors.Is(err, %v) = %v", s, got)
				}
			}
			if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "Bearer") {
				t.Errorf("error shows the credentials: %q", err)
			}
			// Wrapped, it still matches.
			if tt.sentinel != nil && !errors.Is(fmt.Errorf("ctx: %w", err), tt.sentinel) {
				t.Error("wrapped error does not match its sentinel")
			}
		})
	}
}

func TestCheckResponse(t *testing.T) {
	req := httptest.NewRequest("GET", "https://awx.example.com/awx/api/v2/tokens/?token=s3cr3t", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	ok := &http.Response{StatusCode: 204, Request: req, Body: http.NoBody}
	if err := CheckResponse(ok); err != nil {
		t.Errorf("CheckResponse(204) = %v", err)
	}
	bad := &http.Response{
		StatusCode: 403, Request: req, Header: http.Header{},
		Body: io.NopCloser(strings.NewReader(`{"detail":"Filtering on token is not allowed."}`)),
	}
	err := CheckResponse(bad)
	if want := "403 Forbidden on GET /awx/api/v2/tokens/: Filtering on token is not allowed."; err == nil || err.Error() != want {
		t.Errorf("CheckResponse = %v, want %q", err, want)
	}
	if !errors.Is(err, ErrForbidden) {
		t.Error("not ErrForbidden")
	}
	// Without the request, the message is the status and the server's words.
	bare := &http.Response{StatusCode: 404, Body: io.NopCloser(strings.NewReader(`{"detail":"gone"}`))}
	if err := CheckResponse(bare); err == nil || err.Error() != "404 Not Found: gone" {
		t.Errorf("CheckResponse without a request = %v", err)
	}
	// The body stays readable for the caller.
	if b, _ := io.ReadAll(bad.Body); !strings.Contains(string(b), "Filtering") {
		t.Errorf("body after CheckResponse = %q", b)
	}
}

func TestSummarizeBounds(t *testing.T) {
	long := strings.Repeat("word ", 200)
	if got := summarize([]byte(long)); len([]rune(got)) != 201 || !strings.HasSuffix(got, "…") {
		t.Errorf("summary of a long body has %d runes: %q", len([]rune(got)), got)
	}
	if got := summarize([]byte(`oops token=abcdef123456 failed`)); strings.Contains(got, "abcdef123456") {
		t.Errorf("summary shows a secret: %q", got)
	}
}
