package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
)

// decodeJSON reads the request body as a JSON object into dst (typically
// *map[string]json.RawMessage, so missing keys, nulls and wrong types can
// be told apart and reported per field). On failure it writes AWX's error
// and returns false:
//   - a body with a content type other than application/json: 415;
//   - malformed JSON: 400 {"detail":"JSON parse error - ..."};
//   - valid JSON that is not an object: 400 "JSON parse error - not a JSON object";
//   - a body over the limit: 413.
//
// An empty body is an empty object, as DRF treats it.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) bool {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return decodeBytes(w, []byte("{}"), dst)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeDetail(w, http.StatusRequestEntityTooLarge, msgTooLarge)
			return false
		}
		writeDetail(w, http.StatusBadRequest, "JSON parse error - "+err.Error())
		return false
	}
	if len(body) == 0 {
		// A chunked request with nothing in it: no content to type-check.
		return decodeBytes(w, []byte("{}"), dst)
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		writeDetail(w, http.StatusUnsupportedMediaType, msgUnsupportedType)
		return false
	}
	return decodeBytes(w, body, dst)
}

func decodeBytes(w http.ResponseWriter, body []byte, dst any) bool {
	if msg := jsonSyntaxMessage(body); msg != "" {
		writeDetail(w, http.StatusBadRequest, "JSON parse error - "+msg)
		return false
	}
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		writeDetail(w, http.StatusBadRequest, msgNotObject)
		return false
	}
	if err := json.Unmarshal(body, dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			writeFieldErrors(w, map[string][]string{te.Field: {"Incorrect type."}})
			return false
		}
		writeDetail(w, http.StatusBadRequest, "JSON parse error - "+err.Error())
		return false
	}
	return true
}

// jsonSyntaxMessage checks body is one JSON value and describes the first
// problem the way Python's json module does ("Expecting value: line 1
// column 1 (char 0)"), which is what AWX puts after "JSON parse error - ".
// It returns "" for valid JSON.
func jsonSyntaxMessage(body []byte) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		off := len(body)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			off = int(se.Offset)
			if off > 0 {
				off-- // Go points after the bad byte, Python at it.
			}
		}
		return "Expecting value: " + position(body, off)
	}
	rest := dec.InputOffset()
	if len(bytes.TrimLeft(body[rest:], " \t\r\n")) != 0 {
		off := int(rest) + (len(body[rest:]) - len(bytes.TrimLeft(body[rest:], " \t\r\n")))
		return "Extra data: " + position(body, off)
	}
	return ""
}

// position formats an offset as Python's json errors do.
func position(body []byte, off int) string {
	if off > len(body) {
		off = len(body)
	}
	line := 1 + bytes.Count(body[:off], []byte("\n"))
	col := off + 1
	if i := bytes.LastIndexByte(body[:off], '\n'); i >= 0 {
		col = off - i
	}
	return fmt.Sprintf("line %d column %d (char %d)", line, col, off)
}

// decodeObject is decodeJSON into a map of raw values, the form the field
// parsers (parseCharField, parseBoolField, parsePKField) work on.
func decodeObject(w http.ResponseWriter, r *http.Request) (map[string]json.RawMessage, bool) {
	var obj map[string]json.RawMessage
	if !decodeJSON(w, r, &obj) {
		return nil, false
	}
	if obj == nil {
		obj = map[string]json.RawMessage{}
	}
	return obj, true
}
