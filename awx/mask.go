package awx

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"regexp"
	"strings"
	"sync"
)

// isSecretKey reports whether a JSON key, form field or query parameter holds
// a secret. "password" and "secret" anywhere in the name count, so
// old_password or new_client_secret are covered too.
func isSecretKey(k string) bool {
	k = strings.ToLower(k)
	switch k {
	case "token", "refresh_token", "access_token", "client_secret", "password",
		"authorization", "id_token", "code":
		return true
	}
	return strings.Contains(k, "password") || strings.Contains(k, "secret")
}

// maskJSON rewrites a JSON document with the value of every secret key
// replaced by Censored, keeping key order. null, "" and "$encrypted$" stay as
// they are: they are not secrets and tell the reader something (no refresh
// token, a password AWX will not show).
// ok is false when data is not one well-formed JSON value.
func maskJSON(data []byte) (out []byte, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var buf bytes.Buffer
	tok, err := dec.Token()
	if err != nil {
		return nil, false
	}
	if err := maskValue(dec, &buf, tok, false); err != nil {
		return nil, false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, false
	}
	return buf.Bytes(), true
}

func maskValue(dec *json.Decoder, buf *bytes.Buffer, tok json.Token, secret bool) error {
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			buf.WriteByte('{')
			for first := true; dec.More(); first = false {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				key, ok := kt.(string)
				if !ok {
					return errors.New("object key is not a string")
				}
				if !first {
					buf.WriteByte(',')
				}
				writeJSONString(buf, key)
				buf.WriteByte(':')
				vt, err := dec.Token()
				if err != nil {
					return err
				}
				if err := maskValue(dec, buf, vt, secret || isSecretKey(key)); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil { // '}'
				return err
			}
			buf.WriteByte('}')
		case '[':
			buf.WriteByte('[')
			for first := true; dec.More(); first = false {
				if !first {
					buf.WriteByte(',')
				}
				vt, err := dec.Token()
				if err != nil {
					return err
				}
				if err := maskValue(dec, buf, vt, secret); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil { // ']'
				return err
			}
			buf.WriteByte(']')
		default:
			return errors.New("unexpected delimiter")
		}
	case string:
		// AWX's own placeholders are not secrets and say what the server
		// hid; keep them as they are.
		if secret && t != "" && t != EncryptedPassword {
			t = Censored
		}
		writeJSONString(buf, t)
	case json.Number:
		if secret {
			writeJSONString(buf, Censored)
		} else {
			buf.WriteString(t.String())
		}
	case bool:
		if t {
			buf.WriteString("true")
		} else {
			buf.WriteString("false")
		}
	case nil:
		buf.WriteString("null")
	default:
		return errors.New("unexpected token")
	}
	return nil
}

func writeJSONString(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // cannot fail for a string
	buf.Truncate(buf.Len() - 1)
}

// maskForm renders a form body with secret fields masked, keeping the order
// of the fields as sent.
func maskForm(body string) string {
	parts := strings.Split(body, "&")
	for i, p := range parts {
		k, v, _ := strings.Cut(p, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if isSecretKey(name) && v != "" {
			parts[i] = k + "=" + Censored
		}
	}
	return strings.Join(parts, "&")
}

// secretTextRE finds key/value pairs in text that is neither JSON nor a form:
// "token": "abc", token=abc, password: abc. Compiled on first use (only
// debug output of a non-JSON body needs it), not at every start-up.
var secretTextRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)("?[a-z_]*(?:token|secret|password)"?\s*[:=]\s*"?)([^"&\s,;}]+)`)
})

// maskText is the last line of defence for free text (HTML pages, malformed
// JSON): anything that looks like a secret assignment is masked.
func maskText(s string) string {
	return secretTextRE().ReplaceAllString(s, "${1}"+Censored)
}

// maskBody masks a request or response body according to its content type.
func maskBody(contentType string, body []byte) string {
	ct := strings.ToLower(contentType)
	if strings.Contains(ct, "x-www-form-urlencoded") {
		return maskForm(string(body))
	}
	if masked, ok := maskJSON(body); ok {
		var pretty bytes.Buffer
		if json.Indent(&pretty, masked, "", "  ") == nil {
			return pretty.String()
		}
		return string(masked)
	}
	return maskText(string(body))
}

// maskLiterals replaces each known secret (the client's own token or
// password, a grant's credentials) wherever it appears. Very short values are
// skipped: replacing every "ab" in the output would make it unreadable, and
// the key-based masking already covers where secrets are expected.
func maskLiterals(s string, secrets []string) string {
	for _, sec := range secrets {
		if len(sec) >= 6 {
			s = strings.ReplaceAll(s, sec, Censored)
		}
	}
	return s
}

// redactURL renders u for messages: no user info, and secret query values
// masked.
func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		c.RawQuery = maskForm(c.RawQuery)
	}
	return c.String()
}

// redactRequestURI is redactURL for the path and query alone.
func redactRequestURI(u *url.URL) string {
	p := u.EscapedPath()
	if u.RawQuery != "" {
		p += "?" + maskForm(u.RawQuery)
	}
	return p
}
