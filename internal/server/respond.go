package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"

	"github.com/awxtoken/awxtoken/internal/store"
)

// AWX's fixed messages.
const (
	msgNotFoundPath     = "The requested resource could not be found."
	msgPermissionDenied = "You do not have permission to perform this action."
	msgNotAuthenticated = "Authentication credentials were not provided. To establish a login session, visit /api/login/."
	msgBadBasic         = "Invalid username/password. To establish a login session, visit /api/login/."
	msgInvalidPage      = "Invalid page."
	msgServerError      = "A server error has occurred."
	msgTooLarge         = "Request body too large."
	msgUnsupportedType  = "You did not use correct Content-Type in your HTTP request. If you are using our REST API, the Content-Type must be application/json"
	msgNotObject        = "JSON parse error - not a JSON object"
	msgTooManyLogins    = "Too many failed login attempts. Try again later."

	// wwwAuthenticate goes on every 401, as AWX sends it.
	wwwAuthenticate = `Bearer realm=api authorization_url=/api/o/authorize/`
)

// detailBody is AWX's {"detail": "..."} error body.
type detailBody struct {
	Detail string `json:"detail"`
}

// bufPool recycles response buffers: encoding into a fresh buffer that
// grows step by step was the largest cost of a small response.
var bufPool = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 4096)) }}

// getBuf takes an empty buffer from bufPool.
func getBuf() *bytes.Buffer {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	return buf
}

// putBuf returns buf to bufPool once its bytes are written.
func putBuf(buf *bytes.Buffer) {
	if buf.Cap() <= 1<<20 { // do not keep the odd huge page alive
		bufPool.Put(buf)
	}
}

// writeJSON writes v as the JSON response body with status. Encoding happens
// before the header goes out, so a value that cannot be encoded becomes a
// clean 500 rather than a truncated 200.
func writeJSON(w http.ResponseWriter, status int, v any) {
	buf := getBuf()
	defer putBuf(buf)
	enc := json.NewEncoder(buf)
	// AWX (DRF's JSON renderer) does not escape <, > and & in strings.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		buf.Reset()
		buf.WriteString(`{"detail":"` + msgServerError + `"}`)
		status = http.StatusInternalServerError
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	writeJSONBytes(w, status, b)
}

// jsonContentType is Content-Type's value for every JSON answer. Its
// capacity is its length, so an Add copies it instead of appending into
// the value all responses share; nothing may write into its element.
var jsonContentType = []string{"application/json"}[:1:1]

// writeJSONBytes writes b, already encoded JSON, with status. The header
// names are in canonical form, assigned without Header.Set's work.
func writeJSONBytes(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	w.WriteHeader(status)
	w.Write(b)
}

// writeDetail writes {"detail": msg} with status.
func writeDetail(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, detailBody{Detail: msg})
}

// writeFieldErrors writes a 400 validation body {"field": ["message", ...]};
// the key for errors of the whole object is "__all__".
func writeFieldErrors(w http.ResponseWriter, errs map[string][]string) {
	writeJSON(w, http.StatusBadRequest, errs)
}

// writeNotFound writes the 404 for a path that names nothing.
func writeNotFound(w http.ResponseWriter) {
	writeDetail(w, http.StatusNotFound, msgNotFoundPath)
}

// writeForbidden writes AWX's generic 403.
func writeForbidden(w http.ResponseWriter) {
	writeDetail(w, http.StatusForbidden, msgPermissionDenied)
}

// writeUnauthorized writes a 401 with AWX's WWW-Authenticate challenge.
func writeUnauthorized(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", wwwAuthenticate)
	writeDetail(w, http.StatusUnauthorized, msg)
}

// writeError maps err to AWX's status and body: store.Error codes
// ENOTFOUND 404 {"detail"}, EINVALID 400 ({"detail"}, or {field: [msg]} when
// the error names a field), EFORBIDDEN 403 {"detail"}, ECONFLICT 400
// {field or "__all__": [msg]}; a body over the limit 413. Anything else is
// a 500 whose cause is logged with the request id and never shown.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	var se *store.Error
	if errors.As(err, &se) {
		switch se.Code {
		case store.ENOTFOUND:
			writeDetail(w, http.StatusNotFound, se.Message)
			return
		case store.EINVALID:
			if se.Field != "" {
				writeFieldErrors(w, map[string][]string{se.Field: {se.Message}})
			} else {
				writeDetail(w, http.StatusBadRequest, se.Message)
			}
			return
		case store.EFORBIDDEN:
			msg := se.Message
			if msg == "" {
				msg = msgPermissionDenied
			}
			writeDetail(w, http.StatusForbidden, msg)
			return
		case store.ECONFLICT:
			field := se.Field
			if field == "" {
				field = "__all__"
			}
			writeFieldErrors(w, map[string][]string{field: {se.Message}})
			return
		}
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		writeDetail(w, http.StatusRequestEntityTooLarge, msgTooLarge)
		return
	}
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		// The client went away; nobody reads the answer.
		logger(r).Debug("request canceled", "err", err)
	} else {
		countStoreError(r)
		logger(r).Error("internal error", "err", err)
	}
	writeServerError(w, r)
}

// serverErrorBody is the 500 body: no cause, only the id to find it in the log.
type serverErrorBody struct {
	Detail    string `json:"detail"`
	RequestID string `json:"request_id"`
}

func writeServerError(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusInternalServerError, serverErrorBody{Detail: msgServerError, RequestID: requestID(r)})
}
