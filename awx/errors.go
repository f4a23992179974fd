package awx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode"
)

// Sentinels for errors.Is. An *ErrorResponse matches the one of its status.
var (
	ErrBadRequest      = errors.New("awx: bad request")       // 400
	ErrUnauthorized    = errors.New("awx: unauthorized")      // 401
	ErrForbidden       = errors.New("awx: forbidden")         // 403
	ErrNotFound        = errors.New("awx: not found")         // 404
	ErrTooManyRequests = errors.New("awx: too many requests") // 429
	// ErrAmbiguous is wrapped by GetByName when several objects match a name.
	ErrAmbiguous = errors.New("awx: ambiguous name")
)

// ErrorResponse is a non-2xx answer from AWX. Detail holds {"detail": ...}
// (or, from /api/o/, error_description, or a short summary of a non-JSON
// body); Fields holds the per-field messages of a 400, with "__all__" for the
// errors that belong to no field. Code is the OAuth2 "error" value of an
// /api/o/ answer ("invalid_grant").
type ErrorResponse struct {
	Response   *http.Response
	Method     string
	Path       string
	StatusCode int
	Detail     string
	Fields     map[string][]string
	Code       string
}

// Error reads like
// "400 Bad Request on POST /api/v2/tokens/: scope: Must be a simple ...".
// It is built only from the status, method, path (no query) and the server's
// messages, so it never holds a credential.
func (e *ErrorResponse) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s", e.StatusCode, statusText(e.StatusCode))
	if e.Method != "" || e.Path != "" {
		fmt.Fprintf(&b, " on %s %s", e.Method, e.Path)
	}
	if msg := e.Message(); msg != "" {
		b.WriteString(": ")
		b.WriteString(msg)
	}
	return b.String()
}

// Message is the server's explanation alone: the detail and the field
// messages, fields sorted by name ("__all__" first) and joined with "; ".
func (e *ErrorResponse) Message() string {
	var parts []string
	switch {
	case e.Code != "" && e.Detail != "":
		parts = append(parts, e.Code+": "+e.Detail)
	case e.Code != "":
		parts = append(parts, e.Code)
	case e.Detail != "":
		parts = append(parts, e.Detail)
	}
	names := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		// Errors that belong to no field read best first.
		ni, nj := isNonField(names[i]), isNonField(names[j])
		if ni != nj {
			return ni
		}
		return names[i] < names[j]
	})
	for _, k := range names {
		msg := strings.Join(e.Fields[k], " ")
		if isNonField(k) {
			parts = append(parts, msg)
		} else {
			parts = append(parts, k+": "+msg)
		}
	}
	return strings.Join(parts, "; ")
}

func isNonField(k string) bool { return k == "__all__" || k == "non_field_errors" }

// Is makes errors.Is(err, ErrNotFound) and its siblings work.
func (e *ErrorResponse) Is(target error) bool {
	switch target {
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrTooManyRequests:
		return e.StatusCode == http.StatusTooManyRequests
	}
	return false
}

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return t
	}
	return "Status"
}

// CheckResponse returns nil for a 2xx response and an *ErrorResponse
// otherwise, reading (and consuming) the body to decode AWX's error shape.
func CheckResponse(r *http.Response) error {
	if r.StatusCode >= 200 && r.StatusCode <= 299 {
		return nil
	}
	var data []byte
	if r.Body != nil {
		data, _ = io.ReadAll(io.LimitReader(r.Body, 1<<20))
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(data))
	}
	return checkResponse(r, data)
}

func checkResponse(r *http.Response, data []byte) error {
	if r.StatusCode >= 200 && r.StatusCode <= 299 {
		return nil
	}
	e := &ErrorResponse{Response: r, StatusCode: r.StatusCode}
	if r.Request != nil {
		e.Method = r.Request.Method
		if r.Request.URL != nil {
			e.Path = r.Request.URL.EscapedPath()
		}
	}
	if isRedirect(r.StatusCode) {
		// Only reached for methods that do not follow redirects.
		if loc := r.Header.Get("Location"); loc != "" {
			e.Detail = "redirected to " + summarize([]byte(loc))
		}
		return e
	}
	decodeErrorBody(e, data)
	return e
}

// decodeErrorBody fills Detail, Fields and Code from AWX's error bodies:
// {"detail": "..."}, {"field": ["msg", ...], "__all__": [...]}, OAuth2's
// {"error": "...", "error_description": "..."}; anything else is summarized.
func decodeErrorBody(e *ErrorResponse, data []byte) {
	if len(bytes.TrimSpace(data)) == 0 {
		return
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		var list []json.RawMessage
		if json.Unmarshal(data, &list) == nil {
			// DRF answers a bare list for non-field errors in some views.
			e.Detail = strings.Join(messages(data), " ")
			return
		}
		e.Detail = summarize(data)
		return
	}
	if raw, ok := obj["error"]; ok {
		var code string
		if json.Unmarshal(raw, &code) == nil {
			e.Code = code
			delete(obj, "error")
			if d, ok := obj["error_description"]; ok {
				e.Detail = strings.Join(messages(d), " ")
				delete(obj, "error_description")
			}
			delete(obj, "error_uri")
		}
	}
	if raw, ok := obj["detail"]; ok {
		e.Detail = strings.Join(messages(raw), " ")
		delete(obj, "detail")
	}
	for k, raw := range obj {
		msgs := messages(raw)
		if len(msgs) == 0 {
			continue
		}
		if e.Fields == nil {
			e.Fields = make(map[string][]string)
		}
		e.Fields[k] = msgs
	}
}

// messages flattens a DRF error value: a string, a list of strings, or nested
// objects ({"sub": ["msg"]} becomes "sub: msg").
func messages(raw json.RawMessage) []string {
	t := strings.TrimSpace(string(raw))
	if t == "null" || t == "" {
		return nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []string{clean(s)}
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		var out []string
		for _, item := range list {
			out = append(out, messages(item)...)
		}
		return out
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) == nil {
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var out []string
		for _, k := range keys {
			if m := messages(obj[k]); len(m) > 0 {
				out = append(out, k+": "+strings.Join(m, " "))
			}
		}
		return out
	}
	return []string{clean(t)}
}

// titleRE and tagRE are compiled on first use: only a non-JSON error body
// needs them, and compiling at package init cost every command's start-up.
var (
	titleRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`) })
	tagRE   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?s)<[^>]*>`) })
)

// summarize turns a non-JSON body (an HTML error page from a proxy, a plain
// text message) into one short line.
func summarize(data []byte) string {
	s := string(data)
	if m := titleRE().FindStringSubmatch(s); m != nil {
		s = m[1]
	} else if strings.Contains(s, "<") {
		s = tagRE().ReplaceAllString(s, " ")
	}
	s = clean(maskText(s))
	const max = 200
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return s
}

// clean collapses whitespace and drops control characters, so a server's
// message cannot forge lines or terminal escapes in our output.
func clean(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
		case unicode.IsControl(r):
		default:
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}
