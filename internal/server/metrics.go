package server

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Kinds of issued tokens, the "kind" label of awxtoken_tokens_issued_total.
const (
	tokenKindPersonal    = "personal"    // a PAT made through /api/v2/
	tokenKindApplication = "application" // an application token made through /api/v2/
	tokenKindGrant       = "grant"       // a password or refresh grant at /api/o/token/
)

// metrics are the server's Prometheus metrics, on a registry of their own
// (never the global one: two servers in one process, as in tests, must not
// share or collide). Every label has a bounded set of values: requests are
// labelled by route pattern, never by raw path, so /api/v2/tokens/1/ and
// /api/v2/tokens/2/ are one series.
type metrics struct {
	reg *prometheus.Registry

	requests        *prometheus.CounterVec
	duration        *prometheus.HistogramVec
	tokensIssued    *prometheus.CounterVec
	tokensRevoked   prometheus.Counter
	failedLogins    prometheus.Counter
	throttledLogins prometheus.Counter
	storeErrors     prometheus.Counter
	cleanedUp       *prometheus.CounterVec

	// series caches each (pattern, method, code)'s request counter and
	// duration observer: WithLabelValues validates, hashes and looks up its
	// labels on every call, a cost every request paid. The key set is
	// bounded as the labels are.
	series sync.Map // seriesKey -> *requestSeries
}

type seriesKey struct {
	pattern, method string
	code            int
}

type requestSeries struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

// requestSeries returns the series of a request the mux matched to
// pattern (its method already bounded by knownMethods).
func (m *metrics) requestSeries(pattern, method string, code int) *requestSeries {
	k := seriesKey{pattern, method, code}
	if v, ok := m.series.Load(k); ok {
		return v.(*requestSeries)
	}
	route := routeLabel(pattern)
	v, _ := m.series.LoadOrStore(k, &requestSeries{
		requests: m.requests.WithLabelValues(route, method, strconv.Itoa(code)),
		duration: m.duration.WithLabelValues(route, method),
	})
	return v.(*requestSeries)
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "awxtoken_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "awxtoken_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"}),
		tokensIssued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "awxtoken_tokens_issued_total",
			Help: "Access tokens issued, by kind: personal, application (through /api/v2/) or grant (/api/o/token/).",
		}, []string{"kind"}),
		tokensRevoked: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "awxtoken_tokens_revoked_total",
			Help: "Access tokens deleted or revoked through the API.",
		}),
		failedLogins: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "awxtoken_login_failures_total",
			Help: "Failed password logins (Basic authentication and the password grant).",
		}),
		throttledLogins: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "awxtoken_logins_throttled_total",
			Help: "Login attempts refused with 429 by the failed-login throttle.",
		}),
		storeErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "awxtoken_store_errors_total",
			Help: "Database errors (internal errors; not missing rows or conflicts).",
		}),
		cleanedUp: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "awxtoken_tokens_cleaned_up_total",
			Help: "Expired tokens deleted by the periodic cleanup, by type: access or refresh.",
		}, []string{"type"}),
	}
	for _, kind := range []string{tokenKindPersonal, tokenKindApplication, tokenKindGrant} {
		m.tokensIssued.WithLabelValues(kind) // show zero before the first one
	}
	m.cleanedUp.WithLabelValues("access")
	m.cleanedUp.WithLabelValues("refresh")
	m.reg.MustRegister(m.requests, m.duration, m.tokensIssued, m.tokensRevoked, m.failedLogins,
		m.throttledLogins, m.storeErrors, m.cleanedUp,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// tokenIssued counts one issued access token of kind (tokenKind*).
func (m *metrics) tokenIssued(kind string) { m.tokensIssued.WithLabelValues(kind).Inc() }

// MetricsHandler serves the server's metrics in Prometheus' text format.
// It is not part of Handler: the command line serves it on a listener of
// its own (--metrics-listen), so the API's address never exposes it.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})
}

// knownMethods bound the method label; anything else is "OTHER".
var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
}

// withMetrics counts and times every request. It must pass the request it
// received on unchanged (no WithContext copy after it): the ServeMux
// records the matched pattern in that request, which is read here after
// the handler returns.
func (s *Server) withMetrics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		// Behind withAWXHeaders the writer already records the status;
		// reusing it saves an allocation per request.
		var code int
		if rw, ok := w.(*respWriter); ok {
			next.ServeHTTP(w, r)
			code = rw.status
		} else {
			sw := &statusWriter{ResponseWriter: w}
			next.ServeHTTP(sw, r)
			code = sw.status
		}
		method := r.Method
		if !knownMethods[method] {
			method = "OTHER"
		}
		if code == 0 {
			code = http.StatusOK
		}
		rs := s.metrics.requestSeries(r.Pattern, method, code)
		rs.requests.Inc()
		rs.duration.Observe(time.Since(start).Seconds())
	})
}

// routeLabel turns a ServeMux pattern ("GET /api/v2/tokens/{id}/{$}") into
// the route label ("/api/v2/tokens/{id}/"). Requests no route matched are
// "unmatched": their paths are whatever clients send.
func routeLabel(pattern string) string {
	if _, path, ok := strings.Cut(pattern, " "); ok {
		pattern = path
	}
	pattern = strings.TrimSuffix(pattern, "{$}")
	if pattern == "" || pattern == "/" {
		return "unmatched"
	}
	return pattern
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (sw *statusWriter) WriteHeader(code int) {
	if sw.status == 0 {
		sw.status = code
	}
	sw.ResponseWriter.WriteHeader(code)
}

func (sw *statusWriter) Write(b []byte) (int, error) {
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	return sw.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer.
func (sw *statusWriter) Unwrap() http.ResponseWriter { return sw.ResponseWriter }

// countStoreError counts an internal (database) error answered to a
// request; respond.go's writeError calls it.
func countStoreError(r *http.Request) {
	if st := state(r); st != nil && st.metrics != nil {
		st.metrics.storeErrors.Inc()
	}
}
