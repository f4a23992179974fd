package server

// Fuzz targets for the parsers that take raw client input before any
// handler logic: the list query parser and the JSON body decoder with its
// DRF field parsers. They run without a store, so the fuzzer reaches
// hundreds of thousands of inputs a second; fuzz_test.go drives the same
// input through the whole server.

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/awxtoken/awxtoken/internal/store"
)

var fuzzResources = []*store.Resource{
	store.TokenResource, store.ApplicationResource, store.UserResource,
	store.OrganizationResource, store.ActivityResource,
}

// FuzzParseListQuery: every query string either parses into a query the
// stores can run (a page size in 1..200, a non-negative offset that is a
// whole number of pages, filters only on fields the resource has and on no
// secret) or fails with a store.Error that writeError maps to a 4xx.
func FuzzParseListQuery(f *testing.F) {
	for _, q := range []string{
		"", "page=2&page_size=10", "page=0", "page=-3", "page=9223372036854775807", "page= 2", "page_size=-1",
		"page_size=99999999999999999999", "order_by=-id,,name", "order=-", "order_by=token", "search=x",
		"id__in=1,2", "not__application=null", "or__id=1&or__id=2", "chain__not__id=1", "application__isnull=yes",
		"application__isnull=perhaps", "user__username__icontains=a", "token=x", "user__password=x",
		"foo=1", "__=1", "id__=1", "id____exact=1", "id__int=1", "%zz", "a=%zz", "type=x&format=json",
		"description__regex=(", "created__gt=x", "organization__name=x", "object1=o_auth2_access_token",
	} {
		f.Add(uint8(0), q)
		f.Add(uint8(2), q)
	}
	f.Fuzz(func(t *testing.T, which uint8, raw string) {
		res := fuzzResources[int(which)%len(fuzzResources)]
		r := &http.Request{Method: "GET", URL: &url.URL{Path: "/api/v2/x/", RawQuery: raw}}
		q, err := parseListQuery(r, res)
		if err != nil {
			var se *store.Error
			if !errors.As(err, &se) || se.Message == "" {
				t.Fatalf("%q: error %v is not a store.Error with a message", raw, err)
			}
			switch se.Code {
			case store.EINVALID, store.EFORBIDDEN, store.ENOTFOUND:
			default:
				t.Fatalf("%q: error code %s would not be a 4xx", raw, se.Code)
			}
			rec := httptest.NewRecorder()
			writeError(rec, r, err)
			if rec.Code < 400 || rec.Code >= 500 {
				t.Fatalf("%q: %v answered %d", raw, err, rec.Code)
			}
			return
		}
		if q.Limit < 1 || q.Limit > maxPageSize || q.Offset < 0 || q.Offset%q.Limit != 0 || q.Offset > maxOffset+maxPageSize {
			t.Fatalf("%q: limit %d offset %d", raw, q.Limit, q.Offset)
		}
		for _, fl := range q.Filters {
			if _, err := res.CheckField(fl.Field); err != nil {
				t.Fatalf("%q: filter on %q passed although CheckField says %v", raw, fl.Field, err)
			}
			if fl.Lookup != "" && !store.Lookups[fl.Lookup] {
				t.Fatalf("%q: unknown lookup %q passed", raw, fl.Lookup)
			}
			for _, part := range strings.Split(fl.Field, "__") {
				if store.SecretFields[part] {
					t.Fatalf("%q: filter on secret field %q passed", raw, fl.Field)
				}
			}
		}
		for _, o := range q.OrderBy {
			if _, err := res.CheckField(o.Field); err != nil {
				t.Fatalf("%q: order by %q passed although CheckField says %v", raw, o.Field, err)
			}
		}
		// The envelope's links are built from the same query string.
		rec := httptest.NewRecorder()
		writePage(rec, r, q, []int{1}, q.Offset+1)
		if rec.Code != http.StatusOK || !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%q: writePage answered %d %s", raw, rec.Code, rec.Body)
		}
	})
}

// FuzzDecodeJSON: the body decoder accepts exactly the JSON objects,
// answers everything else with a 400 in AWX's shape, and its syntax check
// agrees with encoding/json; the DRF field parsers take any JSON value.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{}`, ` {"a":1} `, `[]`, `null`, `1`, `"s"`, ``, ` `, `{`, `}`, `{"a":1}{}`, `{"a":1} x`, "{\"a\":\"\x00\"}",
		`{"a":"\u0000"}`, `{"a":"\ud800"}`, "{\"a\":\"\xff\"}", `{"a":1e999}`, `{"a":-0}`, `{"a":9223372036854775808}`,
		`{"a":{"b":[1,2,{"c":null}]}}`, `{"a":1,"a":2}`, `{"application":"12"}`, `{"application":" 12 "}`,
		`{"application":1.0}`, `{"application":1.5}`, `{"x":true,"y":"yes","z":"Maybe"}`, `{"scope":"read  write"}`,
		"\n{\n\"a\"\n:\n}", strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		msg := jsonSyntaxMessage(body)
		if (msg == "") != json.Valid(body) {
			t.Fatalf("%q: jsonSyntaxMessage %q but json.Valid %v", body, msg, json.Valid(body))
		}
		var obj map[string]json.RawMessage
		rec := httptest.NewRecorder()
		ok := decodeBytes(rec, body, &obj)
		trimmed := bytes.TrimLeft(body, " \t\r\n")
		wantOK := json.Valid(body) && len(trimmed) > 0 && trimmed[0] == '{'
		if ok != wantOK {
			t.Fatalf("%q: decodeBytes %v, want %v (%d %s)", body, ok, wantOK, rec.Code, rec.Body)
		}
		if !ok {
			var e struct {
				Detail string `json:"detail"`
			}
			if rec.Code != http.StatusBadRequest || json.Unmarshal(rec.Body.Bytes(), &e) != nil || !strings.HasPrefix(e.Detail, "JSON parse error - ") {
				t.Fatalf("%q: refused with %d %s", body, rec.Code, rec.Body)
			}
			return
		}
		for k, raw := range obj {
			parseCharField(raw)
			parseBoolField(raw)
			id, display, null, m := parsePKField(raw)
			if m == "" && !null && display == "" {
				t.Fatalf("%q: pk %d of %q parsed with no display value", body, id, k)
			}
			if m != "" && !strings.HasPrefix(m, "Incorrect type. Expected pk value, received ") {
				t.Fatalf("%q: pk message %q", body, m)
			}
			if sc, null, m := parseCharField(raw); m == "" && !null && validScope(sc) {
				for _, w := range strings.Fields(sc) {
					if w != "read" && w != "write" {
						t.Fatalf("scope %q accepted", sc)
					}
				}
			}
		}
	})
}
