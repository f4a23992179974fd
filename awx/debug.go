package awx

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// maxDebugBody bounds how much of one body --debug prints.
const maxDebugBody = 64 << 10

// logTransport writes the verbose line and the debug dump of every request
// that goes through it, redirects included. It never prints a secret:
// credentials in headers, secret keys in bodies and queries, and the literal
// values of known secrets are all masked.
type logTransport struct {
	base    http.RoundTripper
	verbose io.Writer
	debug   io.Writer
	secrets []string // the client's own token and password

	mu sync.Mutex // keeps the lines of concurrent requests apart
}

type secretsKey struct{}

// withSecrets records, for the debug output of requests made with ctx,
// secrets that are not the client's own credentials (a grant's password, a
// client secret, a refresh token) so they are masked wherever they appear.
func withSecrets(ctx context.Context, secrets ...string) context.Context {
	prev, _ := ctx.Value(secretsKey{}).([]string)
	all := append(append([]string(nil), prev...), secrets...)
	return context.WithValue(ctx, secretsKey{}, all)
}

func (t *logTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	secrets := t.secrets
	if extra, ok := req.Context().Value(secretsKey{}).([]string); ok {
		secrets = append(append([]string(nil), secrets...), extra...)
	}
	var reqDump string
	if t.debug != nil {
		reqDump = t.dumpRequest(req, secrets)
	}
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	elapsed := time.Since(start)

	target := redactRequestURI(req.URL)
	var respDump string
	if t.debug != nil && resp != nil {
		respDump = t.dumpResponse(resp, elapsed, secrets)
	}

	t.mu.Lock()
	defer t.mu.Unlock()
	if t.debug != nil {
		io.WriteString(t.debug, reqDump)
		if err != nil {
			fmt.Fprintf(t.debug, "* %s %s failed after %dms: %s\n\n", req.Method, maskLiterals(target, secrets), elapsed.Milliseconds(), maskLiterals(err.Error(), secrets))
		} else {
			io.WriteString(t.debug, respDump)
		}
	}
	if t.verbose != nil {
		if err != nil {
			fmt.Fprintf(t.verbose, "%s %s failed (%dms)\n", req.Method, maskLiterals(target, secrets), elapsed.Milliseconds())
		} else {
			fmt.Fprintf(t.verbose, "%s %s %d %s (%dms)\n", req.Method, maskLiterals(target, secrets), resp.StatusCode, statusText(resp.StatusCode), elapsed.Milliseconds())
		}
	}
	return resp, err
}

func (t *logTransport) dumpRequest(req *http.Request, secrets []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "> %s %s %s\n", req.Method, redactRequestURI(req.URL), protoOr(req.Proto, "HTTP/1.1"))
	fmt.Fprintf(&b, "> Host: %s\n", req.URL.Host)
	writeHeaders(&b, "> ", req.Header)
	b.WriteString(">\n")
	if body := requestBody(req); len(body) > 0 {
		b.WriteString(renderBody(req.Header.Get("Content-Type"), body))
		b.WriteString("\n")
	}
	return maskLiterals(b.String(), secrets)
}

func (t *logTransport) dumpResponse(resp *http.Response, elapsed time.Duration, secrets []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "< %s %d %s (%dms)\n", protoOr(resp.Proto, "HTTP/1.1"), resp.StatusCode, statusText(resp.StatusCode), elapsed.Milliseconds())
	writeHeaders(&b, "< ", resp.Header)
	b.WriteString("<\n")
	if resp.Body != nil {
		// Read the whole body so the caller still gets all of it; only the
		// printed part is bounded.
		data, err := io.ReadAll(io.LimitReader(resp.Body, maxBodySize+1))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(data))
		if err != nil {
			resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(data), errReader{err}))
		}
		if len(data) > 0 {
			b.WriteString(renderBody(resp.Header.Get("Content-Type"), data))
			b.WriteString("\n")
		}
	}
	b.WriteString("\n")
	return maskLiterals(b.String(), secrets)
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func protoOr(p, def string) string {
	if p == "" {
		return def
	}
	return p
}

// requestBody returns a copy of the request body without consuming it.
func requestBody(req *http.Request) []byte {
	if req.Body == nil || req.Body == http.NoBody {
		return nil
	}
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err != nil {
			return nil
		}
		defer rc.Close()
		data, _ := io.ReadAll(rc)
		return data
	}
	data, _ := io.ReadAll(req.Body)
	req.Body.Close()
	req.Body = io.NopCloser(bytes.NewReader(data))
	return data
}

func renderBody(contentType string, body []byte) string {
	truncated := 0
	if len(body) > maxDebugBody {
		truncated = len(body) - maxDebugBody
	}
	var s string
	if truncated > 0 {
		// A cut JSON document no longer parses; mask it as text.
		s = maskText(string(body[:maxDebugBody])) + fmt.Sprintf("\n... (%d more bytes)", truncated)
	} else {
		s = maskBody(contentType, body)
	}
	return s
}

// writeHeaders prints headers sorted by name, masking credentials. For
// Authorization the scheme stays visible ("Bearer ************"), which is
// what one needs to debug authentication.
func writeHeaders(b *strings.Builder, prefix string, h http.Header) {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range h[k] {
			fmt.Fprintf(b, "%s%s: %s\n", prefix, k, maskHeader(k, v))
		}
	}
}

func maskHeader(name, value string) string {
	n := strings.ToLower(name)
	switch {
	case n == "authorization" || n == "proxy-authorization":
		if scheme, _, ok := strings.Cut(value, " "); ok {
			return scheme + " " + Censored
		}
		return Censored
	case n == "cookie" || n == "set-cookie":
		return Censored
	case strings.Contains(n, "token") || strings.Contains(n, "secret") ||
		strings.Contains(n, "password") || strings.Contains(n, "api-key"):
		return Censored
	}
	return value
}
