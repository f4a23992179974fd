package server

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file parses the fields of token and application bodies the way
// Django REST framework does, so a bad value gets DRF's exact message. A
// body is decoded into map[string]json.RawMessage first: only then can a
// missing key, a null and a value of the wrong JSON type be told apart.

// DRF's messages.
const (
	msgRequired      = "This field is required."
	msgNull          = "This field may not be null."
	msgBlank         = "This field may not be blank."
	msgNotString     = "Not a valid string."
	msgNullChars     = "Null characters are not allowed."
	msgNotBool       = "Must be a valid boolean."
	msgScope         = "Must be a simple space-separated string with allowed scopes ['read', 'write']."
	msgMaxLength255  = "Ensure this field has no more than 255 characters."
	msgCreateForSelf = "You can only create tokens for yourself."
)

// fieldErrors collects 400 messages per field, AWX's {"field": ["msg"]}.
type fieldErrors map[string][]string

func (e fieldErrors) add(field, msg string) { e[field] = append(e[field], msg) }

// isNull reports whether raw is JSON null.
func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

// jsonKind names the Python type DRF would see for a JSON value, for the
// "received <type>" messages.
func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "NoneType"
	}
	switch raw[0] {
	case '"':
		return "str"
	case '{':
		return "dict"
	case '[':
		return "list"
	case 't', 'f':
		return "bool"
	case 'n':
		return "NoneType"
	}
	if bytes.ContainsAny(raw, ".eE") {
		return "float"
	}
	return "int"
}

// parseCharField reads a DRF CharField: strings are trimmed, numbers taken as
// their text, anything else "Not a valid string.". null is reported through
// isNullValue so each caller applies its own rule (description: becomes "";
// most others: "This field may not be null.").
func parseCharField(raw json.RawMessage) (val string, isNullValue bool, msg string) {
	raw = bytes.TrimSpace(raw)
	switch jsonKind(raw) {
	case "NoneType":
		return "", true, ""
	case "str":
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false, msgNotString
		}
		if strings.IndexByte(s, 0) >= 0 {
			// DRF's CharField carries ProhibitNullCharactersValidator; and
			// PostgreSQL text cannot hold NUL at all.
			return "", false, msgNullChars
		}
		return strings.TrimSpace(s), false, ""
	case "int", "float":
		return string(raw), false, ""
	}
	return "", false, msgNotString
}

// parseBoolField reads a DRF BooleanField, which also takes the usual
// spellings of true and false as strings and 0/1.
func parseBoolField(raw json.RawMessage) (val bool, isNullValue bool, msg string) {
	raw = bytes.TrimSpace(raw)
	switch string(raw) {
	case "true", "1", `"true"`, `"True"`, `"TRUE"`, `"1"`, `"yes"`, `"Yes"`, `"YES"`, `"on"`, `"On"`, `"ON"`, `"t"`, `"T"`, `"y"`, `"Y"`:
		return true, false, ""
	case "false", "0", `"false"`, `"False"`, `"FALSE"`, `"0"`, `"no"`, `"No"`, `"NO"`, `"off"`, `"Off"`, `"OFF"`, `"f"`, `"F"`, `"n"`, `"N"`:
		return false, false, ""
	case "null":
		return false, true, ""
	}
	return false, false, msgNotBool
}

// parsePKField reads a DRF PrimaryKeyRelatedField value: an integer, or a
// string holding one (Django casts it). display is the value as DRF quotes
// it in 'Invalid pk "999" - object does not exist.'. A pk that cannot name
// a row (0, negative, too large) parses fine and simply does not exist.
func parsePKField(raw json.RawMessage) (id int64, display string, isNullValue bool, msg string) {
	raw = bytes.TrimSpace(raw)
	kind := jsonKind(raw)
	switch kind {
	case "NoneType":
		return 0, "", true, ""
	case "int":
		display = string(raw)
		n, err := strconv.ParseInt(display, 10, 64)
		if err != nil {
			return -1, display, false, ""
		}
		return n, display, false, ""
	case "float":
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil || f != float64(int64(f)) {
			return 0, "", false, incorrectPKType(kind)
		}
		return int64(f), strconv.FormatFloat(f, 'f', 1, 64), false, ""
	case "str":
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, "", false, incorrectPKType(kind)
		}
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return 0, "", false, incorrectPKType(kind)
		}
		return n, s, false, ""
	}
	return 0, "", false, incorrectPKType(kind)
}

func incorrectPKType(kind string) string {
	return "Incorrect type. Expected pk value, received " + kind + "."
}

// invalidPK is DRF's message for a pk that names no row.
func invalidPK(display string) string {
	return "Invalid pk \"" + display + "\" - object does not exist."
}

// invalidChoice is DRF's message for a value outside a ChoiceField's choices.
func invalidChoice(v string) string { return "\"" + v + "\" is not a valid choice." }

// validScope applies AWX's rule: a non-empty whitespace-separated list of
// distinct words from {read, write}.
func validScope(s string) bool {
	words := strings.Fields(s)
	if len(words) == 0 || len(words) > 2 {
		return false
	}
	for i, w := range words {
		if w != "read" && w != "write" {
			return false
		}
		for _, prev := range words[:i] {
			if prev == w {
				return false
			}
		}
	}
	return true
}

// tooLong reports whether s exceeds n characters (not bytes, as Django counts).
func tooLong(s string, n int) bool { return len(s) > n && utf8.RuneCountInString(s) > n }

// charField reads obj[key] as a DRF CharField: nil when absent, or when
// invalid (the message recorded in errs under key). maxLen 0 means no limit.
func charField(obj map[string]json.RawMessage, errs fieldErrors, key string, maxLen int, allowBlank bool) *string {
	raw, ok := obj[key]
	if !ok {
		return nil
	}
	v, null, msg := parseCharField(raw)
	switch {
	case msg != "":
		errs.add(key, msg)
	case null:
		errs.add(key, msgNull)
	case v == "" && !allowBlank:
		errs.add(key, msgBlank)
	case maxLen > 0 && tooLong(v, maxLen):
		errs.add(key, "Ensure this field has no more than "+itoa(maxLen)+" characters.")
	default:
		return &v
	}
	return nil
}
