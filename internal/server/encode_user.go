package server

import (
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/awxtoken/awxtoken/awx"
)

// This file renders GET /api/v2/me/ without reflection: encoding/json of
// the one-user page was ~12% of the server's CPU on that route, the one
// every client calls. The bytes are exactly encoding/json's (with
// SetEscapeHTML(false), as writeJSON encodes); encode_user_test.go proves it
// over many users and fails if awx.User gains a field this file ignores.

// jsonTimeLayout is awx.Time's wire format (awx/types.go's timeLayout).
const jsonTimeLayout = "2006-01-02T15:04:05.000000Z"

// writeUserPage writes AWX's one-user page {"count":1,...,"results":[u]}
// with status, byte for byte what writeJSON(awx.Page[awx.User]{Count: 1,
// Results: []awx.User{*u}}) writes.
func writeUserPage(w http.ResponseWriter, status int, u *awx.User) {
	buf := getBuf()
	defer putBuf(buf)
	buf.Write(appendUserPage(buf.AvailableBuffer(), u)) // keeps the grown slice for the pool
	writeJSONBytes(w, status, buf.Bytes())
}

// appendUserPage appends the one-user page writeUserPage writes.
func appendUserPage(b []byte, u *awx.User) []byte {
	b = append(b, `{"count":1,"next":null,"previous":null,"results":[`...)
	b = appendUserJSON(b, u)
	return append(b, "]}"...)
}

// appendUserJSON appends u as encoding/json encodes awx.User, keys in its
// field order.
func appendUserJSON(b []byte, u *awx.User) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, u.ID, 10)
	b = append(b, `,"type":`...)
	b = appendJSONString(b, u.Type)
	b = append(b, `,"url":`...)
	b = appendJSONString(b, u.URL)
	r := &u.Related
	b = append(b, `,"related":{"organizations":`...)
	b = appendJSONString(b, r.Organizations)
	b = append(b, `,"admin_of_organizations":`...)
	b = appendJSONString(b, r.AdminOfOrganizations)
	b = append(b, `,"roles":`...)
	b = appendJSONString(b, r.Roles)
	b = append(b, `,"activity_stream":`...)
	b = appendJSONString(b, r.ActivityStream)
	b = append(b, `,"tokens":`...)
	b = appendJSONString(b, r.Tokens)
	b = append(b, `,"authorized_tokens":`...)
	b = appendJSONString(b, r.AuthorizedTokens)
	b = append(b, `,"personal_tokens":`...)
	b = appendJSONString(b, r.PersonalTokens)
	b = append(b, `,"applications":`...)
	b = appendJSONString(b, r.Applications)
	b = append(b, `},"summary_fields":{`...)
	if c := u.SummaryFields.UserCapabilities; c != nil { // omitempty
		b = append(b, `"user_capabilities":{"edit":`...)
		b = strconv.AppendBool(b, c.Edit)
		b = append(b, `,"delete":`...)
		b = strconv.AppendBool(b, c.Delete)
		b = append(b, '}')
	}
	b = append(b, `},"created":`...)
	b = appendJSONTime(b, &u.Created)
	b = append(b, `,"modified":`...)
	b = appendJSONTime(b, u.Modified)
	b = append(b, `,"username":`...)
	b = appendJSONString(b, u.Username)
	b = append(b, `,"first_name":`...)
	b = appendJSONString(b, u.FirstName)
	b = append(b, `,"last_name":`...)
	b = appendJSONString(b, u.LastName)
	b = append(b, `,"email":`...)
	b = appendJSONString(b, u.Email)
	b = append(b, `,"is_superuser":`...)
	b = strconv.AppendBool(b, u.IsSuperuser)
	b = append(b, `,"is_system_auditor":`...)
	b = strconv.AppendBool(b, u.IsSystemAuditor)
	b = append(b, `,"password":`...)
	b = appendJSONString(b, u.Password)
	b = append(b, `,"ldap_dn":`...)
	b = appendJSONString(b, u.LdapDN)
	b = append(b, `,"last_login":`...)
	b = appendJSONTime(b, u.LastLogin)
	b = append(b, `,"external_account":`...)
	if u.ExternalAccount == nil {
		b = append(b, "null"...)
	} else {
		b = appendJSONString(b, *u.ExternalAccount)
	}
	return append(b, '}')
}

// appendJSONTime appends t as awx.Time.MarshalJSON does; nil is null.
func appendJSONTime(b []byte, t *awx.Time) []byte {
	if t == nil {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, jsonTimeLayout)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s quoted as encoding/json does without HTML
// escaping: \" \\ \b \f \n \r \t, other control bytes as \u00XX, invalid
// UTF-8 as \ufffd, U+2028 and U+2029 escaped; everything else as is.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
