package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"unicode"

	"github.com/awxtoken/awxtoken/awx"
	"github.com/awxtoken/awxtoken/internal/access"
	"github.com/awxtoken/awxtoken/internal/secret"
	"github.com/awxtoken/awxtoken/internal/store"
)

// renderUser renders u as AWX's user object; the password is never shown.
func renderUser(u *store.User, caps awx.UserCapabilities) awx.User {
	url := userPath(u.ID)
	modified := awx.NewTime(u.Modified)
	return awx.User{
		ID:   u.ID,
		Type: awx.TypeUser,
		URL:  url,
		Related: awx.UserRelated{
			Organizations:        url + "organizations/",
			AdminOfOrganizations: url + "admin_of_organizations/",
			Roles:                url + "roles/",
			ActivityStream:       url + "activity_stream/",
			Tokens:               url + "tokens/",
			AuthorizedTokens:     url + "authorized_tokens/",
			PersonalTokens:       url + "personal_tokens/",
			Applications:         url + "applications/",
		},
		SummaryFields:   awx.UserSummaryF{UserCapabilities: &caps},
		Created:         awx.NewTime(u.Created),
		Modified:        &modified,
		Username:        u.Username,
		FirstName:       u.FirstName,
		LastName:        u.LastName,
		Email:           u.Email,
		IsSuperuser:     u.IsSuperuser,
		IsSystemAuditor: u.IsSystemAuditor,
		Password:        awx.EncryptedPassword,
		LastLogin:       awx.NewTimePtr(u.LastLogin),
	}
}

// userCaps computes user_capabilities for target. Target's memberships are
// loaded only when a rule needs them (an organization admin looking at
// someone else), so lists stay one query for everybody else.
func (s *Server) userCaps(ctx context.Context, a access.Actor, c *Caller, target *store.User, targetMs []store.Membership) (awx.UserCapabilities, error) {
	if c == nil || !c.CanWrite() {
		return awx.UserCapabilities{}, nil
	}
	if targetMs == nil && !a.IsSuperuser() && target.ID != a.ID() && len(a.OrgIDs(store.RoleAdmin)) > 0 {
		ms, err := s.store.UserMemberships(ctx, target.ID)
		if err != nil {
			return awx.UserCapabilities{}, err
		}
		targetMs = ms
	}
	return awx.UserCapabilities{
		Edit:   access.CanChangeUser(a, target, targetMs),
		Delete: access.CanDeleteUser(a, target),
	}, nil
}

// writeUserPage renders a page of users.
func (s *Server) writeUserPage(w http.ResponseWriter, r *http.Request, q store.Query, users []*store.User, n int) {
	a, err := s.actor(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := make([]awx.User, 0, len(users))
	for _, u := range users {
		caps, err := s.userCaps(r.Context(), a, caller(r), u, nil)
		if err != nil {
			writeError(w, r, err)
			return
		}
		out = append(out, renderUser(u, caps))
	}
	writePage(w, r, q, out, n)
}

// handleUserList serves GET /api/v2/users/.
func (s *Server) handleUserList(w http.ResponseWriter, r *http.Request) {
	a, err := s.actor(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	q, err := parseListQuery(r, store.UserResource)
	if err != nil {
		writeError(w, r, err)
		return
	}
	q.Restrict = access.UserRestriction(a)
	users, n, err := s.store.ListUsers(r.Context(), q)
	if err != nil {
		writeError(w, r, err)
		return
	}
	s.writeUserPage(w, r, q, users, n)
}

// loadVisibleUser resolves {id} and checks the caller may see the user:
// 404 when missing, 403 when hidden (AWX's rule for existing objects).
func (s *Server) loadVisibleUser(w http.ResponseWriter, r *http.Request) (*store.User, []store.Membership, access.Actor, bool) {
	a, err := s.actor(r)
	if err != nil {
		writeError(w, r, err)
		return nil, nil, a, false
	}
	u, ok := s.resolveUser(w, r)
	if !ok {
		return nil, nil, a, false
	}
	ms, err := s.store.UserMemberships(r.Context(), u.ID)
	if err != nil {
		writeError(w, r, err)
		return nil, nil, a, false
	}
	if !access.CanReadUser(a, u, ms) {
		writeForbidden(w)
		return nil, nil, a, false
	}
	return u, ms, a, true
}

// handleUserDetail serves GET /api/v2/users/{id}/.
func (s *Server) handleUserDetail(w http.ResponseWriter, r *http.Request) {
	u, ms, a, ok := s.loadVisibleUser(w, r)
	if !ok {
		return
	}
	caps, err := s.userCaps(r.Context(), a, caller(r), u, ms)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, renderUser(u, caps))
}

// validUsername applies Django's username rule, the regexp
// ^[\pL\pN_.@+-]+$ (letters and numbers of any script, and @ . + - _).
// A loop rather than a package-level regexp: compiling its Unicode classes
// at init was paid by every command of the binary, server or not.
func validUsername(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s { // invalid UTF-8 yields U+FFFD, neither L nor N
		switch {
		case r == '_' || r == '.' || r == '@' || r == '+' || r == '-':
		case unicode.IsLetter(r) || unicode.IsNumber(r):
		default:
			return false
		}
	}
	return true
}

const (
	msgUsernameInvalid = "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."
	msgUsernameTaken   = "A user with that username already exists."
	msgEmailInvalid    = "Enter a valid email address."
	msgPasswordNeeded  = "Password required for new User."
)

// userInput is a parsed user body; nil fields were not given.
type userInput struct {
	Username        *string
	Password        *string // clear text, only ever hashed
	FirstName       *string
	LastName        *string
	Email           *string
	IsSuperuser     *bool
	IsSystemAuditor *bool
}

// parseUserInput validates a user body as AWX's UserSerializer does.
// creating demands username and password; a PUT (full) demands username.
func parseUserInput(obj map[string]json.RawMessage, creating, full bool) (userInput, fieldErrors) {
	var in userInput
	errs := fieldErrors{}
	str := func(key string, max int, allowBlank bool) *string { return charField(obj, errs, key, max, allowBlank) }
	boolean := func(key string) *bool {
		raw, ok := obj[key]
		if !ok {
			return nil
		}
		v, null, msg := parseBoolField(raw)
		switch {
		case msg != "":
			errs.add(key, msg)
		case null:
			errs.add(key, msgNull)
		default:
			return &v
		}
		return nil
	}

	in.Username = str("username", 150, false)
	if in.Username != nil && !validUsername(*in.Username) {
		errs.add("username", msgUsernameInvalid)
		in.Username = nil
	}
	if _, given := obj["username"]; !given && (creating || full) {
		errs.add("username", msgRequired)
	}
	in.FirstName = str("first_name", 150, true)
	in.LastName = str("last_name", 150, true)
	in.Email = str("email", 254, true)
	if in.Email != nil && *in.Email != "" && !validEmail(*in.Email) {
		errs.add("email", msgEmailInvalid)
		in.Email = nil
	}
	in.IsSuperuser = boolean("is_superuser")
	in.IsSystemAuditor = boolean("is_system_auditor")

	// AWX's password field is a plain DRF CharField: trimmed, numbers taken
	// as text, null and "" mean "not given". "$encrypted$" is what AWX
	// shows, and sending it back means "unchanged".
	if raw, ok := obj["password"]; ok {
		pw, null, msg := parseCharField(raw)
		switch {
		case msg != "":
			errs.add("password", msg)
		case !null && pw != "" && pw != awx.EncryptedPassword:
			in.Password = &pw
		}
	}
	if creating && in.Password == nil && len(errs["password"]) == 0 {
		errs.add("password", msgPasswordNeeded)
	}
	return in, errs
}

// validEmail is a light version of Django's EmailValidator: one @, a
// non-empty local part, and a dotted domain without spaces.
func validEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || domain == "" || strings.ContainsAny(s, " \t\r\n<>()[]\\,;:\"") || strings.Contains(domain, "@") {
		return false
	}
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return domain == "localhost"
	}
	return true
}

// handleUserCreate serves POST /api/v2/users/ (superusers only).
func (s *Server) handleUserCreate(w http.ResponseWriter, r *http.Request) {
	obj, ok := decodeObject(w, r)
	if !ok {
		return
	}
	u, a, ok := s.createUserFrom(w, r, obj)
	if !ok {
		return
	}
	s.writeCreatedUser(w, r, a, u)
}

// createUserFrom checks that the caller may add users, validates obj and
// stores the new user; on failure it has written AWX's error. Shared by
// POST /users/ and the organization sub-lists that create a user.
func (s *Server) createUserFrom(w http.ResponseWriter, r *http.Request, obj map[string]json.RawMessage) (*store.User, access.Actor, bool) {
	a, err := s.actor(r)
	if err != nil {
		writeError(w, r, err)
		return nil, a, false
	}
	if !access.CanCreateUser(a) {
		writeForbidden(w)
		return nil, a, false
	}
	in, errs := parseUserInput(obj, true, true)
	if len(errs) > 0 {
		writeFieldErrors(w, errs)
		return nil, a, false
	}
	hash, err := secret.HashPassword(*in.Password)
	if err != nil {
		writeError(w, r, err)
		return nil, a, false
	}
	u := &store.User{Username: *in.Username, PasswordHash: hash, IsActive: true}
	setIf(&u.FirstName, in.FirstName)
	setIf(&u.LastName, in.LastName)
	setIf(&u.Email, in.Email)
	setIf(&u.IsSuperuser, in.IsSuperuser)
	setIf(&u.IsSystemAuditor, in.IsSystemAuditor)
	actx := s.activityCtx(r, "create", awx.TypeUser, func() (int64, map[string]any) { return u.ID, userActivity(u) })
	if err := s.store.CreateUser(actx, u); err != nil {
		if store.ErrorCode(err) == store.ECONFLICT {
			writeFieldErrors(w, fieldErrors{"username": {msgUsernameTaken}})
			return nil, a, false
		}
		writeError(w, r, err)
		return nil, a, false
	}
	return u, a, true
}

// writeCreatedUser answers 201 with the new user and its Location.
func (s *Server) writeCreatedUser(w http.ResponseWriter, r *http.Request, a access.Actor, u *store.User) {
	caps, err := s.userCaps(r.Context(), a, caller(r), u, []store.Membership{})
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Location", userPath(u.ID))
	writeJSON(w, http.StatusCreated, renderUser(u, caps))
}

// handleUserUpdate serves PUT and PATCH /api/v2/users/{id}/. Following
// AWX's UserDetail.update_filter: only superusers change is_superuser and
// is_system_auditor; a user editing themselves (or anyone who may change
// but not administer the user) may not change the username.
func (s *Server) handleUserUpdate(w http.ResponseWriter, r *http.Request) {
	u, ms, a, ok := s.loadVisibleUser(w, r)
	if !ok {
		return
	}
	if !access.CanChangeUser(a, u, ms) {
		writeForbidden(w)
		return
	}
	obj, ok := decodeObject(w, r)
	if !ok {
		return
	}
	in, errs := parseUserInput(obj, false, r.Method == http.MethodPut)
	if len(errs) > 0 {
		writeFieldErrors(w, errs)
		return
	}
	var bad []string
	if !a.IsSuperuser() {
		if in.IsSuperuser != nil && *in.IsSuperuser != u.IsSuperuser {
			bad = append(bad, "is_superuser")
		}
		if in.IsSystemAuditor != nil && *in.IsSystemAuditor != u.IsSystemAuditor {
			bad = append(bad, "is_system_auditor")
		}
	}
	if !access.CanAdminUser(a, u, ms) && in.Username != nil && *in.Username != u.Username {
		bad = append(bad, "username")
	}
	if len(bad) > 0 {
		writeDetail(w, http.StatusForbidden, "Cannot change "+strings.Join(bad, ", ")+".")
		return
	}
	upd := store.UserUpdate{
		Username: in.Username, FirstName: in.FirstName, LastName: in.LastName, Email: in.Email,
		IsSuperuser: in.IsSuperuser, IsSystemAuditor: in.IsSystemAuditor,
	}
	changes := map[string]any{}
	if in.Password != nil {
		hash, err := secret.HashPassword(*in.Password)
		if err != nil {
			writeError(w, r, err)
			return
		}
		upd.PasswordHash = &hash
		changes["password"] = awx.EncryptedPassword
	}
	for k, v := range map[string]*string{"username": in.Username, "first_name": in.FirstName, "last_name": in.LastName, "email": in.Email} {
		if v != nil {
			changes[k] = *v
		}
	}
	for k, v := range map[string]*bool{"is_superuser": in.IsSuperuser, "is_system_auditor": in.IsSystemAuditor} {
		if v != nil {
			changes[k] = *v
		}
	}
	nu, err := s.store.UpdateUser(s.activityCtx(r, "update", awx.TypeUser, fixed(u.ID, changes)), u.ID, upd)
	if err != nil {
		if store.ErrorCode(err) == store.ECONFLICT {
			writeFieldErrors(w, fieldErrors{"username": {msgUsernameTaken}})
			return
		}
		writeError(w, r, err)
		return
	}
	// A demoted superuser's cached tokens must not keep their old powers.
	s.forgetUserTokens(u.ID)
	if c := caller(r); c != nil && c.User.ID == nu.ID {
		c.User = nu
	}
	caps, err := s.userCaps(r.Context(), a, caller(r), nu, ms)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, renderUser(nu, caps))
}

// handleUserDelete serves DELETE /api/v2/users/{id}/ (superusers, never
// themselves).
func (s *Server) handleUserDelete(w http.ResponseWriter, r *http.Request) {
	u, _, a, ok := s.loadVisibleUser(w, r)
	if !ok {
		return
	}
	if !access.CanDeleteUser(a, u) {
		writeDetail(w, http.StatusForbidden, "Cannot delete user.")
		return
	}
	if err := s.store.DeleteUser(s.activityCtx(r, "delete", awx.TypeUser, fixed(u.ID, userActivity(u))), u.ID); err != nil {
		writeError(w, r, err)
		return
	}
	s.forgetUserTokens(u.ID)
	w.WriteHeader(http.StatusNoContent)
}

// handleUserOrganizationList serves GET /api/v2/users/{id}/organizations/:
// the organizations the user is a member (or admin) of, that the caller
// may see.
func (s *Server) handleUserOrganizationList(w http.ResponseWriter, r *http.Request) {
	s.userOrganizations(w, r, store.RoleMember, store.RoleAdmin)
}

// handleUserAdminOfOrganizationList serves GET
// /api/v2/users/{id}/admin_of_organizations/.
func (s *Server) handleUserAdminOfOrganizationList(w http.ResponseWriter, r *http.Request) {
	s.userOrganizations(w, r, store.RoleAdmin)
}

func (s *Server) userOrganizations(w http.ResponseWriter, r *http.Request, roles ...store.RoleName) {
	u, ms, a, ok := s.loadVisibleUser(w, r)
	if !ok {
		return
	}
	target := access.NewActor(u, ms)
	var ids []int64
	for _, id := range target.OrgIDs(roles...) {
		if access.CanReadOrganization(a, id) {
			ids = append(ids, id)
		}
	}
	if ids == nil {
		ids = []int64{}
	}
	q, err := parseListQuery(r, store.OrganizationResource)
	if err != nil {
		writeError(w, r, err)
		return
	}
	q.Restrict = &store.Restriction{UserID: u.ID, OrgIDs: ids}
	s.listOrganizations(w, r, a, q)
}

// setIf copies *src into *dst when src is set.
func setIf[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}
