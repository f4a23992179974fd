package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"
)

// maxBodyBytes bounds every request body. AWX objects are tiny; anything
// this large is a mistake or an attack.
const maxBodyBytes = 1 << 20

// reqState is the per-request state the middleware shares with handlers.
// One pointer in the context (set once) holds everything, so
// authentication can record the caller without another context copy.
type reqState struct {
	id     string
	base   *slog.Logger
	log    *slog.Logger // base with request_id, built on first use
	caller *Caller
	// metrics counts store errors met while serving (countStoreError).
	metrics *metrics
}

type ctxKey struct{}

func state(r *http.Request) *reqState {
	st, _ := r.Context().Value(ctxKey{}).(*reqState)
	return st
}

// requestID is the X-API-Request-Id of the request being served.
func requestID(r *http.Request) string {
	if st := state(r); st != nil {
		return st.id
	}
	return ""
}

// logger returns the server's logger with the request id attached, so every
// line about a request can be matched to the response the client saw.
func logger(r *http.Request) *slog.Logger {
	st := state(r)
	if st == nil {
		return slog.New(slog.DiscardHandler)
	}
	if st.log == nil {
		st.log = st.base.With("request_id", st.id)
	}
	return st.log
}

// newRequestID returns 32 hex characters, the shape of AWX's uuid4().hex.
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// withRequestID gives the request an id, exposes it as X-API-Request-Id and
// makes it available to logger(r).
func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &reqState{id: newRequestID(), base: s.log, metrics: s.metrics}
		// Header names are assigned in canonical form ("X-Api-...", which
		// is what Header.Set would store): this skips canonicalisation on
		// every request. Clients compare header names case-insensitively.
		w.Header()["X-Api-Request-Id"] = []string{st.id}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, st)))
	})
}

// respWriter records the status and stamps AWX's timing headers when the
// header goes out (they must be set before, and only the writer knows when).
type respWriter struct {
	http.ResponseWriter
	start  time.Time
	status int
	bytes  int
}

func (rw *respWriter) WriteHeader(code int) {
	if rw.status != 0 {
		return
	}
	rw.status = code
	var buf [24]byte
	d := string(append(strconv.AppendFloat(buf[:0], time.Since(rw.start).Seconds(), 'f', 3, 64), 's'))
	// One slice for both headers; its capacity is its length, so an Add
	// to one of them copies rather than writing into the other.
	v := []string{d}
	h := rw.Header()
	h["X-Api-Time"] = v[:1:1]
	h["X-Api-Total-Time"] = v[:1:1]
	rw.ResponseWriter.WriteHeader(code)
}

func (rw *respWriter) Write(b []byte) (int, error) {
	if rw.status == 0 {
		rw.WriteHeader(http.StatusOK)
	}
	n, err := rw.ResponseWriter.Write(b)
	rw.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer.
func (rw *respWriter) Unwrap() http.ResponseWriter { return rw.ResponseWriter }

// withAWXHeaders sets X-API-Product-Name on every response and the timing
// headers X-API-Time and X-API-Total-Time ("0.042s"), and writes one access
// log line per request. X-API-Product-Version is added by authentication,
// since AWX shows it only to authenticated callers.
func (s *Server) withAWXHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &respWriter{ResponseWriter: w, start: time.Now()}
		w.Header()["X-Api-Product-Name"] = s.productName
		next.ServeHTTP(rw, r)
		if rw.status == 0 {
			rw.WriteHeader(http.StatusOK)
		}
		if s.log.Enabled(r.Context(), slog.LevelInfo) {
			// The query string is left out: it is where a careless client
			// puts access_token=..., and no secret may reach the log.
			// request_id goes first as an attribute of the line rather than
			// through logger(r): the same output, without building a
			// logger per request.
			attrs := make([]slog.Attr, 0, 7)
			st := state(r)
			if st != nil {
				attrs = append(attrs, slog.String("request_id", st.id))
			}
			attrs = append(attrs,
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", rw.status),
				slog.Int("bytes", rw.bytes),
				slog.Duration("duration", time.Since(rw.start)),
			)
			if st != nil && st.caller != nil {
				attrs = append(attrs, slog.Int64("user_id", st.caller.User.ID))
			}
			s.log.LogAttrs(r.Context(), slog.LevelInfo, AccessLogMessage, attrs...)
		}
	})
}

// withRecover turns a panic in a handler into AWX's 500 body with the
// request id, logging the cause and stack.
func (s *Server) withRecover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			logger(r).Error("panic serving request", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if rw, ok := w.(*respWriter); ok && rw.status != 0 {
				// Too late for a clean answer; abort the connection so the
				// client sees a failure rather than a truncated success.
				panic(http.ErrAbortHandler)
			}
			writeServerError(w, r)
		}()
		next.ServeHTTP(w, r)
	})
}

// withBodyLimit refuses bodies over maxBodyBytes with 413: at once when the
// declared length says so, and otherwise when a handler reads past the limit
// (decodeJSON and writeError turn http.MaxBytesError into the 413).
func (s *Server) withBodyLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxBodyBytes {
			w.Header().Set("Connection", "close")
			writeDetail(w, http.StatusRequestEntityTooLarge, msgTooLarge)
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		}
		next.ServeHTTP(w, r)
	})
}
