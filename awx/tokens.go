package awx

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// TokensService handles OAuth2 access tokens: /api/v2/tokens/ and the token
// lists under applications and users.
type TokensService service

// Token types for TokenListOptions.Type.
const (
	TokenTypePersonal   = "personal"   // no application (PATs)
	TokenTypeAuthorized = "authorized" // issued for an application
	TokenTypeBoth       = "both"
)

// TokenListOptions selects tokens. Application lists
// /api/v2/applications/{N}/tokens/, User lists /api/v2/users/{N}/tokens/,
// neither lists /api/v2/tokens/ (set at most one). Type "personal" adds
// application=null, "authorized" not__application=null, "" or "both" nothing;
// Type is ignored with Application, whose tokens are all authorized.
type TokenListOptions struct {
	ListOptions
	Application int64
	User        int64
	Type        string
}

func (o *TokenListOptions) path() (string, error) {
	if o == nil {
		return "tokens/", nil
	}
	q := url.Values{}
	if err := o.ListOptions.values(q); err != nil {
		return "", err
	}
	base := "tokens/"
	switch {
	case o.Application != 0 && o.User != 0:
		return "", errors.New("awx: list the tokens of an application or of a user, not both")
	case o.Application != 0:
		return withQuery(idPath("applications/", o.Application, "tokens/"), q), nil
	case o.User != 0:
		base = idPath("users/", o.User, "tokens/")
	}
	switch strings.ToLower(o.Type) {
	case "", TokenTypeBoth:
	case TokenTypePersonal:
		q.Set("application", "null")
	case TokenTypeAuthorized:
		q.Set("not__application", "null")
	default:
		return "", fmt.Errorf("awx: token type %q is not personal, authorized or both", o.Type)
	}
	return withQuery(base, q), nil
}

// Get returns one token (its secret censored).
//
// AWX API: GET /api/v2/tokens/{id}/
func (s *TokensService) Get(ctx context.Context, id int64) (*Token, *Response, error) {
	return getOne[Token](ctx, s.client, idPath("tokens/", id, ""))
}

// getManyBatch is how many ids one GetMany request asks for: AWX's
// MAX_PAGE_SIZE, so each batch fits one page.
const getManyBatch = MaxPageSize

// GetMany returns the tokens with the given ids, in AWX's order (by id), in
// as few requests as possible (at most 200 ids each). Ids that do not exist or
// that the caller may not see are simply absent from the result; repeated ids
// are asked once. The Response is that of the last request.
//
// AWX API: GET /api/v2/tokens/?id__in=1,2,3&page_size=3
func (s *TokensService) GetMany(ctx context.Context, ids []int64) ([]*Token, *Response, error) {
	seen := make(map[int64]bool, len(ids))
	uniq := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			uniq = append(uniq, id)
		}
	}
	var (
		all  []*Token
		resp *Response
	)
	for start := 0; start < len(uniq); start += getManyBatch {
		batch := uniq[start:min(start+getManyBatch, len(uniq))]
		strs := make([]string, len(batch))
		for i, id := range batch {
			strs[i] = strconv.FormatInt(id, 10)
		}
		q := url.Values{
			"id__in":    {strings.Join(strs, ",")},
			"page_size": {strconv.Itoa(len(batch))},
		}
		var (
			items []*Token
			err   error
		)
		items, resp, err = listPage[Token](ctx, s.client, withQuery("tokens/", q))
		if err != nil {
			return all, resp, err
		}
		all = append(all, items...)
	}
	return all, resp, nil
}

// List returns one page of tokens.
//
// AWX API: GET /api/v2/tokens/, GET /api/v2/applications/{id}/tokens/,
// GET /api/v2/users/{id}/tokens/
func (s *TokensService) List(ctx context.Context, opts *TokenListOptions) ([]*Token, *Response, error) {
	path, err := opts.path()
	if err != nil {
		return nil, nil, err
	}
	return listPage[Token](ctx, s.client, path)
}

// All walks every page of the list, starting at opts.Page, following AWX's
// next links to the end. It stops after yielding an error.
//
// AWX API: GET /api/v2/tokens/ (and the lists of List)
func (s *TokensService) All(ctx context.Context, opts *TokenListOptions) iter.Seq2[*Token, error] {
	path, err := opts.path()
	if err != nil {
		return func(yield func(*Token, error) bool) { yield(nil, err) }
	}
	return allPages[Token](ctx, s.client, path)
}

// Create creates a token for the caller: a personal access token, or, with
// req.Application, an application token with a refresh token. The answer
// holds the clear token and refresh token: the only time they exist.
//
// AWX API: POST /api/v2/tokens/
func (s *TokensService) Create(ctx context.Context, req TokenCreateRequest) (*Token, *Response, error) {
	return sendOne[Token](ctx, s.client, http.MethodPost, "tokens/", req)
}

// CreateForApplication creates a token of application appID for the caller
// (AWX.psm's New-Token -Application). The application comes from the URL, so
// req.Application is not sent.
//
// AWX API: POST /api/v2/applications/{id}/tokens/
func (s *TokensService) CreateForApplication(ctx context.Context, appID int64, req TokenCreateRequest) (*Token, *Response, error) {
	req.Application = nil
	return sendOne[Token](ctx, s.client, http.MethodPost, idPath("applications/", appID, "tokens/"), req)
}

// CreateForMe creates a token for the caller through user 0, "me"
// (AWX.psm's New-Token -ForMe); req.Application, when set, makes it an
// application token. A real AWX answers 404 there to non-superusers, so on
// a 404, and only then, it looks the caller up with Me and posts to the
// caller's own id instead.
//
// AWX API: POST /api/v2/users/0/tokens/, then POST /api/v2/users/{id}/tokens/
func (s *TokensService) CreateForMe(ctx context.Context, req TokenCreateRequest) (*Token, *Response, error) {
	tok, resp, err := sendOne[Token](ctx, s.client, http.MethodPost, "users/0/tokens/", req)
	if err == nil || !isStatus(err, http.StatusNotFound) {
		return tok, resp, err
	}
	me, meResp, err := s.client.Me(ctx)
	if err != nil {
		return nil, meResp, fmt.Errorf("awx: POST users/0/tokens/ was not found; looking up the current user: %w", err)
	}
	return sendOne[Token](ctx, s.client, http.MethodPost, idPath("users/", me.ID, "tokens/"), req)
}

// CreatePersonal creates a personal access token (never an application
// token) for user, an id or a username; AWX allows it for the caller only.
// This is what awxkit's login does.
//
// AWX API: POST /api/v2/users/{user}/personal_tokens/
func (s *TokensService) CreatePersonal(ctx context.Context, user string, req TokenCreateRequest) (*Token, *Response, error) {
	if user == "" {
		return nil, nil, errors.New("awx: CreatePersonal: no user given")
	}
	path := "users/" + url.PathEscape(user) + "/personal_tokens/"
	return sendOne[Token](ctx, s.client, http.MethodPost, path, req)
}

// Update changes a token's description and/or scope; only the fields set in
// req are sent.
//
// AWX API: PATCH /api/v2/tokens/{id}/
func (s *TokensService) Update(ctx context.Context, id int64, req TokenUpdateRequest) (*Token, *Response, error) {
	return sendOne[Token](ctx, s.client, http.MethodPatch, idPath("tokens/", id, ""), req)
}

// Delete revokes a token.
//
// AWX API: DELETE /api/v2/tokens/{id}/
func (s *TokensService) Delete(ctx context.Context, id int64) (*Response, error) {
	return deletePath(ctx, s.client, idPath("tokens/", id, ""))
}

func isStatus(err error, code int) bool {
	var er *ErrorResponse
	return errors.As(err, &er) && er.StatusCode == code
}
