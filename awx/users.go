package awx

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
)

// UsersService handles AWX users: /api/v2/users/.
type UsersService service

func listPath(base string, opts *ListOptions) (string, error) {
	q := url.Values{}
	if err := opts.values(q); err != nil {
		return "", err
	}
	return withQuery(base, q), nil
}

// Get returns one user.
//
// AWX API: GET /api/v2/users/{id}/
func (s *UsersService) Get(ctx context.Context, id int64) (*User, *Response, error) {
	return getOne[User](ctx, s.client, idPath("users/", id, ""))
}

// GetByName returns the user called username; no such user wraps ErrNotFound.
//
// AWX API: GET /api/v2/users/?username=NAME
func (s *UsersService) GetByName(ctx context.Context, username string) (*User, *Response, error) {
	if username == "" {
		return nil, nil, errors.New("awx: no username given")
	}
	return getByFilter[User](ctx, s.client, "users/", url.Values{"username": {username}}, "user", username, "use the id")
}

// List returns one page of users.
//
// AWX API: GET /api/v2/users/
func (s *UsersService) List(ctx context.Context, opts *ListOptions) ([]*User, *Response, error) {
	path, err := listPath("users/", opts)
	if err != nil {
		return nil, nil, err
	}
	return listPage[User](ctx, s.client, path)
}

// All walks every page of the user list from opts.Page to the end.
//
// AWX API: GET /api/v2/users/
func (s *UsersService) All(ctx context.Context, opts *ListOptions) iter.Seq2[*User, error] {
	path, err := listPath("users/", opts)
	if err != nil {
		return func(yield func(*User, error) bool) { yield(nil, err) }
	}
	return allPages[User](ctx, s.client, path)
}

// Create creates a user (superusers only).
//
// AWX API: POST /api/v2/users/
func (s *UsersService) Create(ctx context.Context, req UserRequest) (*User, *Response, error) {
	return sendOne[User](ctx, s.client, http.MethodPost, "users/", req)
}

// Update changes the fields set in req.
//
// AWX API: PATCH /api/v2/users/{id}/
func (s *UsersService) Update(ctx context.Context, id int64, req UserRequest) (*User, *Response, error) {
	return sendOne[User](ctx, s.client, http.MethodPatch, idPath("users/", id, ""), req)
}

// Delete removes a user and, with them, their tokens.
//
// AWX API: DELETE /api/v2/users/{id}/
func (s *UsersService) Delete(ctx context.Context, id int64) (*Response, error) {
	return deletePath(ctx, s.client, idPath("users/", id, ""))
}
