package server_test

import (
	"strings"
	"testing"

	"github.com/awxtoken/awxtoken/internal/servertest"
)

func TestRequestBodyErrors(t *testing.T) {
	s := servertest.Start(t)
	const unsupported = `{"detail":"You did not use correct Content-Type in your HTTP request. If you are using our REST API, the Content-Type must be application/json"}`
	for _, tc := range []struct {
		name, contentType, body string
		status                  int
		want                    string
	}{
		{"form body", "application/x-www-form-urlencoded", "name=x", 415, unsupported},
		{"text body", "text/plain", `{"name":"x"}`, 415, unsupported},
		{"no content type", "", `{"name":"x"}`, 415, unsupported},
		{"malformed", "application/json", `{"name":`, 400, `{"detail":"JSON parse error - Expecting value: line 1 column 9 (char 8)"}`},
		{"garbage", "application/json", `nope`, 400, `{"detail":"JSON parse error - Expecting value: line 1 column 2 (char 1)"}`},
		{"trailing data", "application/json", `{"name":"x"} {}`, 400, `{"detail":"JSON parse error - Extra data: line 1 column 14 (char 13)"}`},
		{"array", "application/json", `[{"name":"x"}]`, 400, `{"detail":"JSON parse error - not a JSON object"}`},
		{"string", "application/json", `"x"`, 400, `{"detail":"JSON parse error - not a JSON object"}`},
		{"null", "application/json", `null`, 400, `{"detail":"JSON parse error - not a JSON object"}`},
		{"charset is fine", "application/json; charset=utf-8", `{"name":"ok"}`, 201, ""},
		{"empty body is an empty object", "application/json", ``, 400, `{"name":["This field is required."]}`},
	} {
		r := s.Request(t, "POST", "/api/v2/organizations/", s.Admin(), tc.contentType, strings.NewReader(tc.body))
		if r.Status != tc.status || (tc.want != "" && string(r.Body) != tc.want) {
			t.Errorf("%s: %d %s, want %d %s", tc.name, r.Status, r.Body, tc.status, tc.want)
		}
	}
}

func TestBodyTooLarge(t *testing.T) {
	s := servertest.Start(t)
	big := `{"name":"` + strings.Repeat("x", 2<<20) + `"}`
	expect(t, s.Do(t, "POST", "/api/v2/organizations/", s.Admin(), big), 413, `{"detail":"Request body too large."}`)
	// Without a declared length (chunked), the limit bites while reading.
	r := s.Request(t, "POST", "/api/v2/organizations/", s.Admin(), "application/json", struct{ *strings.Reader }{strings.NewReader(big)})
	expect(t, r, 413, `{"detail":"Request body too large."}`)
	// Just under the limit is accepted (and then validated).
	ok := `{"name":"x","description":"` + strings.Repeat("y", 1<<20-40) + `"}`
	expectStatus(t, s.Do(t, "POST", "/api/v2/organizations/", s.Admin(), ok), 201)
}
